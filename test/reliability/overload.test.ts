import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf, healthClient } from "../helpers/service";
import { realStoresUp, startFaultyStack, timed, type FaultyStack } from "./harness";

const enabled = await realStoresUp();
const MAX_IN_FLIGHT = 4;

describe.runIf(enabled)("overload: more calls than RECS_MAX_IN_FLIGHT while the session store is slow", () => {
  let s: FaultyStack;

  beforeAll(async () => {
    // Deadline above the delay: the slow calls succeed, they just hold their slot for a while.
    s = await startFaultyStack({ maxInFlight: MAX_IN_FLIGHT, storeTimeoutMs: 2_000 });
  });
  afterAll(() => s?.close());

  it("refuses the excess with RESOURCE_EXHAUSTED at once, serves the rest, and stays healthy", async () => {
    const item = (await s.t.client.recommend({ userId: "warm", sessionId: "warm", k: 1 })).items[0]!.itemId;
    await s.redisProxy.delay(300);
    const heapBefore = process.memoryUsage().heapUsed;
    try {
      const calls = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          timed<unknown>(() =>
            i % 4 === 3
              ? s.t.client.feedback({
                  eventId: `ov-${i}`,
                  userId: `ov-${i}`,
                  sessionId: `ov-${i}`,
                  itemId: item,
                  type: "CLICK",
                })
              : s.t.client.recommend({ userId: `ov-${i}`, sessionId: `ov-${i}`, k: 3 }),
          ),
        ),
      );
      const codes = calls.map((c) => c.error?.code ?? status.OK);
      const ok = codes.filter((c) => c === status.OK).length;
      const refused = calls.filter((c) => c.error?.code === status.RESOURCE_EXHAUSTED);
      console.info(
        `overload: ${ok} served, ${refused.length} refused; ` +
          `heap grew ${((process.memoryUsage().heapUsed - heapBefore) / 1e6).toFixed(1)} MB`,
      );
      expect(new Set(codes)).toEqual(new Set([status.OK, status.RESOURCE_EXHAUSTED]));
      expect(ok).toBeGreaterThanOrEqual(MAX_IN_FLIGHT);
      expect(refused.length).toBeGreaterThan(100);
      expect(refused[0]!.error!.details).toMatch(/RECS_MAX_IN_FLIGHT.*retry with backoff/);
      // A refusal is not queued behind the slow calls: the first comes back before any served call.
      const served = calls.filter((c) => c.error === undefined);
      expect(Math.min(...refused.map((c) => c.ms))).toBeLessThan(Math.min(...served.map((c) => c.ms)));
    } finally {
      await s.redisProxy.pass();
    }
    const health = healthClient(s.t.target);
    const serving = await new Promise<string>((resolve, reject) =>
      health.Check({ service: "" }, (err, res) => (err ? reject(err) : resolve(res!.status))),
    );
    health.close();
    expect(serving).toBe("SERVING");
    // Every slot was given back: a full set of parallel calls goes through again.
    const after = await Promise.all(
      Array.from({ length: MAX_IN_FLIGHT }, (_, i) => codeOf(s.t.client.recommend({ userId: `after-${i}`, k: 2 }))),
    );
    expect(after.map((c) => c.code)).toEqual(Array(MAX_IN_FLIGHT).fill(status.OK));
  });
});
