/** How big a chaos run is; every kind of fault happens at least once in each. */
export interface ChaosProfile {
  name: string;
  /** Cases driven from intake to closure. */
  cases: number;
  /** Cases in flight at once. */
  concurrency: number;
  /** Worker processes on the task queue. */
  workers: number;
  /** SIGKILLs of a random worker at random moments (each is restarted). */
  workerKills: number;
  /** Receivers taken down (or made to fail, or hang) one after another, per round. */
  receiverRounds: number;
  /** How long each receiver stays down. */
  receiverOutageMs: number;
  /** Faults are spread over this long from the first case on. */
  faultWindowMs: number;
  /** Devices shared by elevation cases, so leases overlap on one device account. */
  sharedDevices: number;
  /** A case that has not closed by then is given up on (and reported). */
  caseTimeoutMs: number;
  /** Hard bound on the whole run, whatever happens. */
  maxRunMs: number;
}

export const PROFILES: Record<'short' | 'full', ChaosProfile> = {
  // About five minutes on two cores: a few of each scenario, every fault kind once.
  short: {
    name: 'short',
    cases: 24,
    concurrency: 8,
    workers: 2,
    workerKills: 3,
    receiverRounds: 1,
    receiverOutageMs: 25_000,
    faultWindowMs: 150_000,
    sharedDevices: 2,
    caseTimeoutMs: 6 * 60_000,
    maxRunMs: 12 * 60_000,
  },
  full: {
    name: 'full',
    cases: 200,
    concurrency: 20,
    workers: 3,
    workerKills: 12,
    receiverRounds: 2,
    receiverOutageMs: 60_000,
    faultWindowMs: 12 * 60_000,
    sharedDevices: 6,
    caseTimeoutMs: 12 * 60_000,
    maxRunMs: 50 * 60_000,
  },
};
