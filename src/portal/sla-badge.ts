import type { SlaView } from '../domain/case';

export type SlaState = 'breached' | 'at-risk' | 'paused' | 'on-track' | 'none';

export interface SlaBadge {
  state: SlaState;
  /** Milliseconds to the nearest open deadline (negative once past), or null when none runs. */
  leftMs: number | null;
  /** Why the clock stands still, when it does. */
  pausedFor: string | null;
}

/**
 * What the queue and the case page show for a case's SLA: breached wins over at risk, and a
 * paused clock says why. Read from the workflow's own SLA view, never recomputed here.
 */
export function slaBadge(sla: SlaView, closed: boolean, nowMs: number): SlaBadge {
  const dues = [sla.firstResponseDue, sla.nextUpdateDue, sla.resolutionDue]
    .filter((d): d is string => d !== null)
    .map((d) => Date.parse(d));
  const leftMs = dues.length > 0 && !closed ? Math.min(...dues) - nowMs : null;
  const state: SlaState =
    sla.breaches.length > 0 || (leftMs !== null && leftMs < 0)
      ? 'breached'
      : closed
        ? 'none'
        : sla.paused
          ? 'paused'
          : sla.atRisk.length > 0
            ? 'at-risk'
            : leftMs === null
              ? 'none'
              : 'on-track';
  return { state, leftMs, pausedFor: sla.paused };
}
