import { readFileSync } from 'node:fs';

/*
 * CPU time and resident memory of a process from /proc (Linux), for the server, the workers and
 * the API alike: the benchmark measures each process from outside, the same way for both sides.
 */

const TICKS_PER_SECOND = 100;

/** User + system CPU time of a process so far, in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

/** Resident set size of a process, in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** The whole machine's CPU ticks so far: all of them, and those the hypervisor ran elsewhere. */
export interface MachineTicks {
  total: number;
  steal: number;
}

/** The first line of /proc/stat, summed: user nice system idle iowait irq softirq steal. */
export function parseMachineTicks(procStat: string): MachineTicks {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu ')) ?? '';
  // guest and guest_nice (fields 9 and 10) are already counted inside user and nice.
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: fields.reduce((a, n) => a + n, 0), steal: fields[7] ?? 0 };
}

export function machineTicks(): MachineTicks {
  return parseMachineTicks(readFileSync('/proc/stat', 'utf8'));
}

/**
 * The share of the machine's CPU time the hypervisor gave to other guests between two readings:
 * on a shared virtual machine the same work runs slower while it is high, whichever side it hits.
 */
export function stolenShare(before: MachineTicks, after: MachineTicks): number {
  const total = after.total - before.total;
  return total > 0 ? (after.steal - before.steal) / total : 0;
}
