import type { Client } from '@temporalio/client';
import express, { type Express, type RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CASE_STATUSES, CLOSED_STATUSES } from '../domain/case';
import { SEVERITIES } from '../domain/categories';
import type { CredentialVault } from '../vault/credential-vault';

/*
 * The API's Prometheus metrics: HTTP requests by route template and status, and caseflow's own
 * gauges, read at scrape time from visibility counts (search attributes) and the vault. Served on
 * their own port (CASEFLOW_API_METRICS_PORT), never on the public API port.
 */

/** Counts read from visibility are reused for this long, so a busy scraper does not load the server. */
const GAUGE_REFRESH_MS = 10_000;

export class ApiMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'caseflow_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'caseflow_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /** `processMetrics`: also the process's own (CPU, memory, event loop), once per process. */
  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'caseflow_api_' });
  }

  /** Times every request; labels by the route that answered it (`/v1/cases/:id`), never the raw path. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const end = this.duration.startTimer();
      res.on('finish', () => {
        const route: unknown = (req.route as { path?: unknown } | undefined)?.path;
        const labels = {
          method: req.method,
          route: typeof route === 'string' ? `${req.baseUrl}${route}` : 'unmatched',
          status: String(res.statusCode),
        };
        this.requests.inc(labels);
        end(labels);
      });
      next();
    };
  }
}

/** Open statuses: a case in one of these still needs someone. */
const OPEN_STATUSES = CASE_STATUSES.filter((s) => !CLOSED_STATUSES.includes(s));
const RUNNING_CASES = `WorkflowType = 'supportCase' AND ExecutionStatus = 'Running'`;

/** caseflow's gauges, computed when scraped (at most every GAUGE_REFRESH_MS). */
export function registerCaseflowGauges(
  metrics: ApiMetrics,
  deps: { client: Client; vault?: CredentialVault; now?: () => number; onError?: (err: unknown) => void },
): void {
  const { client, vault } = deps;
  const now = deps.now ?? Date.now;
  const registers = [metrics.registry];
  // Every gauge of the set is refreshed by the first one collected in a scrape.
  const collect = () => collectAll();
  const openCases = new Gauge({
    name: 'caseflow_open_cases',
    help: 'Running cases by status and severity (from visibility)',
    labelNames: ['status', 'severity'] as const,
    collect,
    registers,
  });
  const breached = new Gauge({
    name: 'caseflow_sla_breached_open_cases',
    help: 'Running cases with at least one SLA breach, by severity (SlaBreached search attribute)',
    labelNames: ['severity'] as const,
    collect,
    registers,
  });
  const approvals = new Gauge({
    name: 'caseflow_approvals_waiting',
    help: 'Elevation requests waiting for an IT admin approval',
    collect,
    registers,
  });
  const leases = new Gauge({
    name: 'caseflow_active_leases',
    help: 'Open JIT leases (vault)',
    collect,
    registers,
  });
  const oldestLease = new Gauge({
    name: 'caseflow_oldest_lease_age_seconds',
    help: 'Age of the longest-open JIT lease, 0 when none is open (vault)',
    collect,
    registers,
  });
  const overdue = new Gauge({
    name: 'caseflow_rotations_overdue',
    help: 'Devices whose JIT password is past its rotation time (vault)',
    collect,
    registers,
  });
  const up = new Gauge({
    name: 'caseflow_gauges_up',
    help: '1 when the last refresh of these gauges read visibility and the vault, else 0',
    collect,
    registers,
  });

  const count = async (query: string) => Number((await client.workflow.count(query)).count);
  let refreshedAt = -Infinity;
  let refreshing: Promise<void> | null = null;
  const refresh = async () => {
    // Built from the enums only: nothing user-typed reaches a visibility query.
    const byStatus = await Promise.all(
      OPEN_STATUSES.map(async (status) => ({
        status,
        n: await count(`${RUNNING_CASES} AND CaseStatus = '${status}'`),
      })),
    );
    openCases.reset();
    for (const { status, n } of byStatus) {
      for (const severity of SEVERITIES) {
        openCases.set(
          { status, severity },
          n === 0
            ? 0
            : await count(`${RUNNING_CASES} AND CaseStatus = '${status}' AND CaseSeverity = '${severity}'`),
        );
      }
    }
    for (const severity of SEVERITIES) {
      breached.set(
        { severity },
        await count(`${RUNNING_CASES} AND SlaBreached = true AND CaseSeverity = '${severity}'`),
      );
    }
    approvals.set(await count(`ExecutionStatus = 'Running' AND ElevationStatus = 'pending-approval'`));
    if (vault) {
      const nowMs = now();
      const stats = await vault.stats(nowMs);
      leases.set(stats.openLeases);
      oldestLease.set(stats.oldestOpenLeaseAtMs === null ? 0 : (nowMs - stats.oldestOpenLeaseAtMs) / 1000);
      overdue.set(stats.rotationsOverdue);
    }
  };
  const collectAll = async () => {
    if (now() - refreshedAt < GAUGE_REFRESH_MS) return;
    refreshing ??= refresh()
      .then(
        () => {
          refreshedAt = now();
          up.set(1);
        },
        (err: unknown) => {
          up.set(0);
          deps.onError?.(err);
        },
      )
      .finally(() => {
        refreshing = null;
      });
    await refreshing;
  };
}

/** The metrics listener's app: GET /metrics only. */
export function metricsApp(metrics: ApiMetrics): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  return app;
}
