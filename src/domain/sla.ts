import type { z } from 'zod';
import { addClockTime, clockTimeBetween, type BusinessCalendar, type ClockMode } from './calendar';
import type { Severity } from './categories';
import type {
  pausedIntervalSchema,
  severityTargetsSchema,
  slaClockStateSchema,
  slaPolicySchema,
} from '../schemas/sla-schema';

/*
 * SLA targets and the per-case SLA clock.
 *
 * All instants are epoch-millisecond numbers and all functions are pure and deterministic, so they
 * can run inside Temporal workflow code: the caller passes the current time (`nowMs`, from the
 * workflow's own clock) wherever an answer depends on it.
 */

const MINUTE_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// Policy

export type SeverityTargets = z.output<typeof severityTargetsSchema>;

export type SlaPolicy = z.output<typeof slaPolicySchema>;

const EIGHT_HOURS = 8 * 60;
/** One business day of the default 09:00–17:00 calendar. */
const BUSINESS_DAY = EIGHT_HOURS;

/**
 * Response and update targets and hours are the service's severity table. Resolution targets are
 * not in that table (they are agreed between the organisation and its provider), so these are our
 * defaults: Sev A 8 hours around the clock, Sev B 3 business days, Sev C 5 business days. A Sev B
 * case filed as 24x7 counts its resolution minutes around the clock too, i.e. 24 hours.
 */
export const DEFAULT_SLA_POLICY: SlaPolicy = {
  A: {
    firstResponseMinutes: 60,
    updateCadenceMinutes: 60,
    resolutionMinutes: EIGHT_HOURS,
    hours: '24x7',
    twentyFourSevenOnRequest: false,
  },
  B: {
    firstResponseMinutes: 4 * 60,
    updateCadenceMinutes: 12 * 60,
    resolutionMinutes: 3 * BUSINESS_DAY,
    hours: 'business-hours',
    twentyFourSevenOnRequest: true,
  },
  C: {
    firstResponseMinutes: EIGHT_HOURS,
    updateCadenceMinutes: 24 * 60,
    resolutionMinutes: 5 * BUSINESS_DAY,
    hours: 'business-hours',
    twentyFourSevenOnRequest: false,
  },
};

/** The hours a case's clock counts: the severity's own, or 24x7 where the filer may choose it. */
export function clockModeFor(policy: SlaPolicy, severity: Severity, twentyFourSeven: boolean): ClockMode {
  const targets = policy[severity];
  return twentyFourSeven && targets.twentyFourSevenOnRequest ? '24x7' : targets.hours;
}

// ---------------------------------------------------------------------------------------------
// Clock state

/** Why the clock is paused. Any label is allowed; these two are the ones the service reports on. */
export type PauseCause = 'requester' | 'vendor' | (string & Record<never, never>);

export type PausedInterval = z.infer<typeof pausedIntervalSchema>;

export type SlaClockState = z.infer<typeof slaClockStateSchema>;

export class SlaClockError extends Error {
  override readonly name = 'SlaClockError';
}

function assertNotBeforeStart(state: SlaClockState, atMs: number, action: string): void {
  if (!Number.isFinite(atMs)) throw new SlaClockError(`${action}: ${atMs} is not an epoch-ms instant`);
  if (atMs < state.startedAtMs) {
    throw new SlaClockError(`${action} at ${atMs} is before the clock started at ${state.startedAtMs}`);
  }
}

export function startClock(
  severity: Severity,
  atMs: number,
  options: { twentyFourSeven?: boolean } = {},
): SlaClockState {
  if (!Number.isFinite(atMs)) throw new SlaClockError(`start: ${atMs} is not an epoch-ms instant`);
  return {
    startedAtMs: atMs,
    severity,
    twentyFourSeven: options.twentyFourSeven ?? false,
    pause: null,
    pausedMsByCause: {},
    pauseHistory: [],
    firstResponseAtMs: null,
    lastUpdateAtMs: null,
    resolvedAtMs: null,
  };
}

function closeCurrentPause(state: SlaClockState, atMs: number): SlaClockState {
  if (state.pause === null) return state;
  const { cause, sinceMs } = state.pause;
  if (atMs < sinceMs) throw new SlaClockError(`resume at ${atMs} is before the pause began at ${sinceMs}`);
  const pausedMs = atMs - sinceMs;
  return {
    ...state,
    pause: null,
    pausedMsByCause: { ...state.pausedMsByCause, [cause]: (state.pausedMsByCause[cause] ?? 0) + pausedMs },
    pauseHistory:
      pausedMs > 0 ? [...state.pauseHistory, { cause, fromMs: sinceMs, toMs: atMs }] : state.pauseHistory,
  };
}

/**
 * Stops the clock because the case waits on someone else. Pausing again for the same cause is a
 * no-op (signals may be repeated); pausing for another cause ends the current pause and starts a
 * new one, so each cause is charged only for its own stretch. A resolved clock stays as it is.
 */
export function pauseClock(state: SlaClockState, cause: PauseCause, atMs: number): SlaClockState {
  assertNotBeforeStart(state, atMs, 'pause');
  if (state.resolvedAtMs !== null || state.pause?.cause === cause) return state;
  return { ...closeCurrentPause(state, atMs), pause: { cause, sinceMs: atMs } };
}

/** Restarts a paused clock; resuming a running clock is a no-op. */
export function resumeClock(state: SlaClockState, atMs: number): SlaClockState {
  assertNotBeforeStart(state, atMs, 'resume');
  return closeCurrentPause(state, atMs);
}

/** Only the first response counts; later calls keep the original instant. */
export function recordFirstResponse(state: SlaClockState, atMs: number): SlaClockState {
  assertNotBeforeStart(state, atMs, 'first response');
  return state.firstResponseAtMs === null ? { ...state, firstResponseAtMs: atMs } : state;
}

/** An update to the requester; the next one is due one update cadence after the latest. */
export function recordUpdate(state: SlaClockState, atMs: number): SlaClockState {
  assertNotBeforeStart(state, atMs, 'update');
  const latestMs = state.lastUpdateAtMs === null ? atMs : Math.max(state.lastUpdateAtMs, atMs);
  return { ...state, lastUpdateAtMs: latestMs };
}

/** Stops every target for good; a pause in progress ends at the resolution. */
export function recordResolution(state: SlaClockState, atMs: number): SlaClockState {
  assertNotBeforeStart(state, atMs, 'resolution');
  if (state.resolvedAtMs !== null) return state;
  return { ...closeCurrentPause(state, atMs), resolvedAtMs: atMs };
}

/**
 * Re-grades the case. The new severity's targets and hours apply retroactively from the start of
 * the case (as most service desks re-evaluate SLAs on a priority change), and every pause, past or
 * in progress, keeps extending them. An upgrade that is already overdue under the stricter target is
 * therefore breached at once, which is exactly what the escalation needs to see.
 */
export function changeSeverity(state: SlaClockState, severity: Severity, atMs: number): SlaClockState {
  assertNotBeforeStart(state, atMs, 'severity change');
  return state.severity === severity ? state : { ...state, severity };
}

/** Wall-clock paused seconds per cause, including the pause in progress up to `nowMs`. */
export function pausedSeconds(state: SlaClockState, nowMs: number): Record<string, number> {
  const totalsMs: Record<string, number> = { ...state.pausedMsByCause };
  if (state.pause !== null) {
    const { cause, sinceMs } = state.pause;
    totalsMs[cause] = (totalsMs[cause] ?? 0) + Math.max(0, nowMs - sinceMs);
  }
  return Object.fromEntries(Object.entries(totalsMs).map(([cause, ms]) => [cause, Math.floor(ms / 1000)]));
}

// ---------------------------------------------------------------------------------------------
// Targets, deadlines and risk

export const SLA_TARGETS = ['firstResponse', 'nextUpdate', 'resolution'] as const;
export type SlaTarget = (typeof SLA_TARGETS)[number];

/** A target is at risk once this share of its time is used up, and breached at 1. */
export const AT_RISK_FRACTION = 0.75;
export const BREACH_FRACTION = 1;

export interface SlaDeadlines {
  firstResponseDue: number | null;
  nextUpdateDue: number | null;
  resolutionDue: number | null;
}

export type SlaStanding = 'on-track' | 'at-risk' | 'breached';

/** Where a target's time is counted from, how much it allows, and when it stopped counting. */
interface TargetTrack {
  anchorMs: number;
  allowedMs: number;
  stoppedAtMs: number | null;
}

function trackOf(policy: SlaPolicy, state: SlaClockState, target: SlaTarget): TargetTrack | null {
  const targets = policy[state.severity];
  switch (target) {
    case 'firstResponse':
      return {
        anchorMs: state.startedAtMs,
        allowedMs: targets.firstResponseMinutes * MINUTE_MS,
        stoppedAtMs: state.firstResponseAtMs ?? state.resolvedAtMs,
      };
    case 'nextUpdate':
      // Updates are owed only once someone has responded; until then the first response is due.
      if (state.firstResponseAtMs === null) return null;
      return {
        anchorMs: Math.max(state.firstResponseAtMs, state.lastUpdateAtMs ?? state.firstResponseAtMs),
        allowedMs: targets.updateCadenceMinutes * MINUTE_MS,
        stoppedAtMs: state.resolvedAtMs,
      };
    case 'resolution':
      return {
        anchorMs: state.startedAtMs,
        allowedMs: targets.resolutionMinutes * MINUTE_MS,
        stoppedAtMs: state.resolvedAtMs,
      };
  }
}

function pausedIntervalsUntil(state: SlaClockState, untilMs: number): PausedInterval[] {
  if (state.pause === null) return state.pauseHistory;
  return [...state.pauseHistory, { cause: state.pause.cause, fromMs: state.pause.sinceMs, toMs: untilMs }];
}

/** Clock time in [fromMs, toMs) that was not paused. */
function activeClockTime(
  mode: ClockMode,
  cal: BusinessCalendar,
  pauses: readonly PausedInterval[],
  fromMs: number,
  toMs: number,
): number {
  const pausedMs = pauses.reduce(
    (sum, pause) =>
      sum + clockTimeBetween(mode, cal, Math.max(pause.fromMs, fromMs), Math.min(pause.toMs, toMs)),
    0,
  );
  return clockTimeBetween(mode, cal, fromMs, toMs) - pausedMs;
}

/** The instant at which `amountMs` of unpaused clock time has passed since `anchorMs`. */
function instantAfterActiveTime(
  mode: ClockMode,
  cal: BusinessCalendar,
  finishedPauses: readonly PausedInterval[],
  anchorMs: number,
  amountMs: number,
): number {
  let cursorMs = anchorMs;
  let remainingMs = amountMs;
  for (const pause of finishedPauses) {
    if (pause.toMs <= cursorMs) continue;
    const availableMs = clockTimeBetween(mode, cal, cursorMs, pause.fromMs);
    if (availableMs >= remainingMs) return addClockTime(mode, cal, cursorMs, remainingMs);
    remainingMs -= availableMs;
    cursorMs = pause.toMs;
  }
  return addClockTime(mode, cal, cursorMs, remainingMs);
}

function isPausedAt(state: SlaClockState, nowMs: number): boolean {
  return state.pause !== null && state.pause.sinceMs <= nowMs;
}

/**
 * The instant at which `fraction` of a target's time will have been used, or null when the target
 * is met, not applicable yet, or the clock is paused at `nowMs` (a paused clock has no deadline; it
 * gets one again on resume). The instant may lie in the past for a target already overrun.
 */
export function instantAtFraction(
  policy: SlaPolicy,
  cal: BusinessCalendar,
  state: SlaClockState,
  target: SlaTarget,
  fraction: number,
  nowMs: number,
): number | null {
  const track = trackOf(policy, state, target);
  if (track === null || track.stoppedAtMs !== null || isPausedAt(state, nowMs)) return null;
  const mode = clockModeFor(policy, state.severity, state.twentyFourSeven);
  const amountMs = Math.ceil(track.allowedMs * fraction);
  return instantAfterActiveTime(mode, cal, state.pauseHistory, track.anchorMs, amountMs);
}

export function computeDeadlines(
  policy: SlaPolicy,
  cal: BusinessCalendar,
  state: SlaClockState,
  nowMs: number,
): SlaDeadlines {
  const dueAt = (target: SlaTarget) => instantAtFraction(policy, cal, state, target, BREACH_FRACTION, nowMs);
  return {
    firstResponseDue: dueAt('firstResponse'),
    nextUpdateDue: dueAt('nextUpdate'),
    resolutionDue: dueAt('resolution'),
  };
}

/** When the target becomes at risk (75 % used); null in the same cases as its deadline. */
export function atRiskInstant(
  policy: SlaPolicy,
  cal: BusinessCalendar,
  state: SlaClockState,
  target: SlaTarget,
  nowMs: number,
): number | null {
  return instantAtFraction(policy, cal, state, target, AT_RISK_FRACTION, nowMs);
}

/**
 * Share of a target's time used so far (1 = breached, above 1 = overrun), counting only unpaused
 * time within the clock's hours. A met target keeps the share it had when it was met; null when the
 * target does not apply yet.
 */
export function elapsedFraction(
  policy: SlaPolicy,
  cal: BusinessCalendar,
  state: SlaClockState,
  target: SlaTarget,
  nowMs: number,
): number | null {
  const track = trackOf(policy, state, target);
  if (track === null) return null;
  const mode = clockModeFor(policy, state.severity, state.twentyFourSeven);
  const untilMs = track.stoppedAtMs ?? nowMs;
  const usedMs = activeClockTime(mode, cal, pausedIntervalsUntil(state, untilMs), track.anchorMs, untilMs);
  return usedMs / track.allowedMs;
}

export function standingOf(fraction: number): SlaStanding {
  if (fraction >= BREACH_FRACTION) return 'breached';
  return fraction >= AT_RISK_FRACTION ? 'at-risk' : 'on-track';
}

/**
 * Takes a resolved case back into work. The time between resolution and reopening was spent
 * waiting for the requester's verdict, so it is kept as a requester pause rather than charged to
 * the provider; every target then continues from where it stood.
 */
export function reopenClock(state: SlaClockState, atMs: number): SlaClockState {
  assertNotBeforeStart(state, atMs, 'reopen');
  if (state.resolvedAtMs === null) return state;
  const waitedMs = Math.max(0, atMs - state.resolvedAtMs);
  return {
    ...state,
    resolvedAtMs: null,
    pausedMsByCause: {
      ...state.pausedMsByCause,
      requester: (state.pausedMsByCause.requester ?? 0) + waitedMs,
    },
    pauseHistory:
      waitedMs > 0
        ? [...state.pauseHistory, { cause: 'requester', fromMs: state.resolvedAtMs, toMs: atMs }]
        : state.pauseHistory,
  };
}
