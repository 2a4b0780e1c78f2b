import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { RequestHandler } from 'express';

/*
 * One server span per HTTP request, when tracing is on (server.ts loads this module only then).
 * The rest of the request runs inside it, so the Temporal calls it makes (start, update, signal,
 * query) are its children and carry it into the workflow and its activities.
 */

const PROBES = new Set(['/healthz', '/readyz']);

/** Routes whose `:id` is a case id (a random uuid): safe to put on the span, and what one searches for. */
const CASE_ROUTE = /^\/(v1|portal)\/cases\/:id(\/|$)/;

/**
 * What the span holds: the method, the route template (`/v1/cases/:id/assign`, never the raw path
 * or its query string), the status, the request id and, on case routes, the case id. Never a
 * header, a body, a principal or a path of a route that did not match.
 */
export function requestSpans(tracer: Tracer): RequestHandler {
  return (req, res, next) => {
    // Probes run every few seconds and tell a trace nothing.
    if (PROBES.has(req.path)) {
      next();
      return;
    }
    // Each request starts its own trace: a caller's traceparent is not followed, so nothing the
    // caller sends reaches the spans or the trace headers stored in histories.
    const span = tracer.startSpan(
      req.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method } },
      ROOT_CONTEXT,
    );
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const template: unknown = (req.route as { path?: unknown } | undefined)?.path;
      const route = typeof template === 'string' ? `${req.baseUrl}${template}` : undefined;
      span.updateName(route ? `${req.method} ${route}` : req.method);
      if (route) span.setAttribute('http.route', route);
      const caseId = req.params?.id;
      if (route && CASE_ROUTE.test(route) && typeof caseId === 'string') {
        span.setAttribute('caseflow.case_id', caseId);
      }
      if (req.requestId) span.setAttribute('caseflow.request_id', req.requestId);
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500 || !res.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(trace.setSpan(ROOT_CONTEXT, span), next);
  };
}
