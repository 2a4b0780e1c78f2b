import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { PayloadCodec } from '@temporalio/common';
import express, { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import { CodecError, payloadFromJson, payloadToJson } from '../temporal/codec';
import type { Principal } from '../domain/roles';
import { authenticate, type KeyEntry, requirePermission } from './auth';
import { jsonBody, problemResponses, requires, standardProblems } from './openapi';
import { problems } from './problem';
import { parseRequestPart } from './validation';

/**
 * The codec endpoint the Temporal Web UI calls to show sealed payloads (Temporal's remote codec
 * protocol: POST {payloads:[{metadata, data}]} with base64 fields). Only principals allowed to
 * read cases may open payloads, with the same bearer keys as the API or the access token of the
 * Web UI's sign-in (web-ui-sign-in.ts), which the UI passes for its user. Browsers call it from the UI's origin, so those origins (and only they) get CORS answers.
 */

const MAX_PAYLOADS = 1000;
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const payloadSchema = z.object({
  metadata: z.record(z.string().max(200), base64).optional(),
  data: base64.optional(),
});
const codecBody = z.object({ payloads: z.array(payloadSchema).max(MAX_PAYLOADS) });

export interface CodecRouteOptions {
  codecs: readonly PayloadCodec[];
  keys: readonly KeyEntry[];
  /** Origins of the Web UI (e.g. http://127.0.0.1:8080) allowed to call from a browser. */
  allowedOrigins: readonly string[];
  maxBodyBytes: number;
  /** The Web UI's access tokens (caseflow's sign-in for the UI), accepted besides API keys. */
  webUiTokens?: (token: string) => Principal | undefined;
}

export function codecRouter(options: CodecRouteOptions, registry: OpenAPIRegistry): Router {
  const router = Router();
  const cors: RequestHandler = (req, res, next) => {
    const origin = req.get('origin');
    if (origin && options.allowedOrigins.includes(origin)) {
      res.set({
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Namespace',
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Max-Age': '600',
        Vary: 'Origin',
      });
    }
    next();
  };

  registry.registerPath({
    method: 'post',
    path: '/codec/decode',
    summary: 'Opens sealed Temporal payloads (the Web UI’s remote codec)',
    ...requires('case:read'),
    description:
      'Payloads in `binary/encrypted` are opened with CASEFLOW_CODEC_KEYS; others come back as sent. ' +
      'Needs a role allowed to read cases.',
    request: { body: jsonBody(codecBody) },
    responses: {
      200: { description: 'The payloads, opened', content: { 'application/json': { schema: codecBody } } },
      ...standardProblems,
      ...problemResponses({ 422: 'A payload could not be opened (unknown key, tampered)' }),
    },
  });

  // A preflight carries no credentials; it learns only whether its origin may ask.
  router.options('/codec/decode', cors, (_req, res) => {
    res.status(204).end();
  });
  router.post(
    '/codec/decode',
    cors,
    authenticate(options.keys, options.webUiTokens),
    requirePermission('case:read'),
    express.json({ limit: options.maxBodyBytes * 16, strict: true }),
    async (req, res) => {
      if (!req.is('application/json'))
        throw problems.unsupportedMediaType('Send the body as application/json.');
      const body = parseRequestPart(codecBody, req.body, 'body');
      let payloads = body.payloads.map(payloadFromJson);
      try {
        for (const codec of [...options.codecs].reverse()) payloads = await codec.decode(payloads);
      } catch (error) {
        if (error instanceof CodecError) throw problems.unprocessable(error.message);
        throw error;
      }
      res.json({ payloads: payloads.map(payloadToJson) });
    },
  );
  return router;
}
