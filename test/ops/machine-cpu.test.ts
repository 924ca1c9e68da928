import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { coresBusy, machineCpuTimes } from "../../src/bench/machine-cpu";

const dir = mkdtempSync(join(tmpdir(), "recs-stat-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function statFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("machineCpuTimes", () => {
  it("counts everything but idle and iowait as busy, over the aggregate line only", () => {
    // user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user).
    const path = statFile("stat", "cpu  100 20 30 800 50 5 5 10 40 0\ncpu0 999 0 0 0 0 0 0 0 0 0\nintr 12345\n");
    expect(machineCpuTimes(path)).toEqual({ busyS: 1.7, totalS: 10.2 });
  });

  it("says null where there is no /proc/stat or it makes no sense, instead of a made-up figure", () => {
    expect(machineCpuTimes(join(dir, "missing"))).toBeNull();
    expect(machineCpuTimes(statFile("garbled", "cpu  a b c d\n"))).toBeNull();
    expect(machineCpuTimes(statFile("no-aggregate", "cpu0 1 2 3 4\n"))).toBeNull();
  });

  it("turns two readings into cores busy on average", () => {
    // 4 s of busy time in 8 s of all cores' time on 2 cores: 1 core busy.
    expect(coresBusy({ busyS: 10, totalS: 100 }, { busyS: 14, totalS: 108 }, 2)).toBeCloseTo(1, 12);
    expect(coresBusy({ busyS: 1, totalS: 5 }, { busyS: 1, totalS: 5 }, 2)).toBe(0);
  });
});
