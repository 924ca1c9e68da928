import { readFileSync } from "node:fs";

/** This machine's CPU time so far, from /proc/stat's aggregate line: busy and total seconds over all cores. */
export interface MachineCpuTimes {
  busyS: number;
  totalS: number;
}

/** Clock ticks per second of /proc/stat (USER_HZ): 100 on every Linux that Node supports. */
const USER_HZ = 100;

/**
 * Reads /proc/stat (Linux); null where there is none. Busy is everything but idle and iowait: the CPU that
 * every process on the machine used (the server, Postgres, Redis, the load generator itself).
 */
export function machineCpuTimes(statPath = "/proc/stat"): MachineCpuTimes | null {
  let text: string;
  try {
    text = readFileSync(statPath, "utf8");
  } catch {
    return null;
  }
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) return null;
  // user nice system idle iowait irq softirq steal [guest guest_nice: already counted in user and nice]
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (ticks.length < 4 || ticks.some((t) => !Number.isFinite(t))) return null;
  const total = ticks.reduce((sum, t) => sum + t, 0);
  const idle = ticks[3]! + (ticks[4] ?? 0);
  return { busyS: (total - idle) / USER_HZ, totalS: total / USER_HZ };
}

/** Cores busy on average between two readings, of `cores`. */
export function coresBusy(before: MachineCpuTimes, after: MachineCpuTimes, cores: number): number {
  const total = after.totalS - before.totalS;
  return total > 0 ? ((after.busyS - before.busyS) / total) * cores : 0;
}
