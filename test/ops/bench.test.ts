import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LatencyHistogram } from "../../src/bench/histogram";
import { seededRandom } from "../../src/bandit/rng";
import { checkTarget, parseMix, pickRpc } from "../../src/bench/options";
import { compareWithFloor, cpuUse, reportText } from "../../src/bench/report";
import { multiReportText, runBenchTargets } from "../../src/bench/multi";
import { runBench, type BenchOptions } from "../../src/bench/run";
import { StorefrontWorkload } from "../../src/bench/workload";
import { FaultProxy } from "../helpers/fault-proxy";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "../helpers/servers";
import { startTestService, testCatalog, type TestService, type TestStorage } from "../helpers/service";
import { freePort, opsStorage } from "./ops-service";

describe("bench building blocks", () => {
  it("histogram quantiles are within a bucket (~4.4%) of the exact ones", () => {
    const histogram = new LatencyHistogram();
    for (let i = 1; i <= 10_000; i++) histogram.record(i / 10); // 0.1 .. 1000 ms, uniform
    const summary = histogram.summary();
    expect(summary.count).toBe(10_000);
    expect(summary.p50Ms / 500).toBeGreaterThan(0.99);
    expect(summary.p50Ms / 500).toBeLessThan(1.05);
    expect(summary.p99Ms / 990).toBeGreaterThan(0.99);
    expect(summary.p99Ms / 990).toBeLessThan(1.05);
    expect(summary.maxMs).toBe(1000);
    expect(summary.meanMs).toBeCloseTo(500.05, 6);
    expect(histogram.rows().reduce((sum, row) => sum + row.count, 0)).toBe(10_000);
  });

  it("parses a mix and draws RPCs in its proportions", () => {
    const mix = parseMix("recommend=3, feedback=1");
    expect(mix).toEqual({ recommend: 0.75, feedback: 0.25, user_state: 0 });
    expect(pickRpc(mix, 0.74)).toBe("recommend");
    expect(pickRpc(mix, 0.76)).toBe("feedback");
    expect(() => parseMix("recommend=0.8,upsert=0.2")).toThrow(/recommend, feedback, user_state/);
    expect(() => parseMix("feedback=0")).toThrow(/positive weight/);
  });

  it("loads only this machine", () => {
    expect(checkTarget("127.0.0.1:50051")).toBe("127.0.0.1:50051");
    expect(checkTarget("localhost:1")).toBe("localhost:1");
    expect(() => checkTarget("10.1.2.3:50051")).toThrow(/only loads this machine/);
    expect(() => checkTarget("127.0.0.1")).toThrow(/HOST:PORT/);
  });
});

describe("recs bench against the real service", () => {
  let storage: TestStorage;
  let t: TestService;
  let base: BenchOptions;

  beforeAll(async () => {
    storage = await opsStorage();
    t = await startTestService(storage, { apiKeys: ["bench-key"], metricsPort: await freePort() });
    await t.client.upsertItems(testCatalog(60));
    base = {
      target: t.target,
      concurrency: 4,
      durationS: 2,
      mix: "recommend=0.7,feedback=0.3",
      ingest: false,
      baseline: false,
      apiKey: "bench-key",
      users: 50,
      seed: 3,
      k: 5,
      streams: 2,
      streamEvents: 400,
      answerShare: 0.9,
      maxCalls: 100_000,
      dim: 8,
      progress: false,
    };
  });

  afterAll(async () => {
    t?.client.close();
    await t?.service.stop();
    await storage?.drop();
  });

  it("runs the mix closed-loop, trains the model, and reports per-RPC latency", async () => {
    const updatesBefore = t.service.engine.model.updateCount;
    const report = await runBench(base);
    expect(report.seeding.itemsDiscovered).toBeGreaterThan(0);
    expect(report.seeding.eventsAccepted).toBe(150);
    const service = report.service!;
    expect(service.errors).toEqual({});
    expect(service.elapsedS).toBeGreaterThanOrEqual(2);
    expect(service.elapsedS).toBeLessThan(6); // calls in flight at the deadline finish
    const byRpc = Object.fromEntries(service.rpcs.map((r) => [r.rpc, r]));
    expect(Object.keys(byRpc).sort()).toEqual(["Feedback", "Recommend"]);
    expect(byRpc.Recommend!.calls + byRpc.Feedback!.calls).toBe(service.calls);
    // 70/30 mix: the share is near 0.7 over hundreds of calls.
    expect(byRpc.Recommend!.calls / service.calls).toBeGreaterThan(0.55);
    expect(byRpc.Recommend!.calls / service.calls).toBeLessThan(0.85);
    for (const rpc of service.rpcs) {
      const l = rpc.latencyMs;
      expect(rpc.failed).toBe(0);
      expect(l.p50Ms).toBeGreaterThan(0);
      expect(l.p50Ms).toBeLessThanOrEqual(l.p95Ms);
      expect(l.p95Ms).toBeLessThanOrEqual(l.p99Ms);
      expect(l.p99Ms).toBeLessThanOrEqual(l.maxMs);
    }
    // Feedback answered recommendations, so the bandit learned during the run.
    expect(t.service.engine.model.updateCount - updatesBefore).toBeGreaterThan(byRpc.Feedback!.calls / 4);
    const text = reportText(report);
    expect(text).toMatch(/Recommend\s+\d+\s+0\s+\d+/);
    expect(text).toMatch(/latency histogram/);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it(
    "reports the server's CPU per call over the phase from its metrics endpoint, " + "and names a wrong endpoint",
    async () => {
      const report = await runBench({ ...base, durationS: 1, serverMetrics: `127.0.0.1:${t.service.metricsPort}` });
      const cpu = report.serverCpu!;
      // The service runs in this test's process, so its CPU includes the load generator's: only the shape is checked.
      expect(cpu.seconds).toBeGreaterThan(0);
      expect(cpu.per).toBe("call");
      expect(cpu.perUnitMs).toBeCloseTo((cpu.seconds * 1000) / report.service!.calls, 9);
      expect(reportText(report)).toMatch(
        /server CPU over the phase \(its \/metrics\): \d+\.\d+ s = \d+\.\d+ ms per call/,
      );
      // The whole machine's CPU (Linux): at least this process's own, never more than every core.
      const machine = report.machineCpu!;
      expect(machine.seconds).toBeGreaterThan(0);
      expect(machine.coresBusy).toBeGreaterThan(0);
      expect(machine.coresBusy).toBeLessThanOrEqual(report.machine.cpus + 0.01);
      expect(machine.perUnitMs).toBeCloseTo((machine.seconds * 1000) / report.service!.calls, 9);
      expect(reportText(report)).toMatch(
        new RegExp(
          String.raw`this machine's CPU over the phase \(\/proc\/stat, every process\): ` +
            String.raw`\d+\.\d\d of \d+ cores busy, \d+\.\d+ s = \d+\.\d+ ms per call`,
        ),
      );
      const nowhere = await freePort();
      await expect(runBench({ ...base, durationS: 1, serverMetrics: `127.0.0.1:${nowhere}` })).rejects.toThrow(
        new RegExp(`--server-metrics 127.0.0.1:${nowhere}: .*RECS_METRICS_PORT`),
      );
      await expect(runBench({ ...base, durationS: 1, serverMetrics: "10.0.0.1:9464" })).rejects.toThrow(
        /only loads this machine/,
      );
    },
  );

  it(
    "spreads the load over --connections connections of its own " +
      "(one HTTP/2 connection reaches one RECS_WORKERS process)",
    async () => {
      const [host, port] = t.target.split(":");
      // Connections open on first use: seeding's one, then one per connection the phase used.
      const cases = [
        { connections: 1, ingest: false, accepted: 1 },
        { connections: 3, ingest: false, accepted: 4 }, // concurrency 4 uses all three
        { connections: 2, ingest: true, accepted: 3 }, // two streams, one on each
      ];
      for (const { connections, ingest, accepted } of cases) {
        const proxy = new FaultProxy(host!, Number(port));
        await proxy.start();
        try {
          const report = await runBench({
            ...base,
            target: `127.0.0.1:${proxy.port}`,
            durationS: 1,
            connections,
            ingest,
          });
          expect(report.connections).toBe(connections);
          expect(proxy.connectionsAccepted).toBe(accepted);
          expect(ingest ? report.ingest!.errors : report.service!.errors).toEqual({});
        } finally {
          await proxy.stop();
        }
      }
      const text = reportText(await runBench({ ...base, durationS: 1, connections: 2 }));
      expect(text).toMatch(/concurrency 4 over 2 connections/);
    },
  );

  it("loads several --target servers at once and reports each and the total", async () => {
    const port = t.target.split(":")[1]!;
    const targets = [t.target, `localhost:${port}`];
    const report = await runBenchTargets({ ...base, durationS: 1 }, targets);
    expect(report.targets.map((r) => r.target)).toEqual(targets);
    for (const r of report.targets) expect(r.service!.calls).toBeGreaterThan(0);
    expect(report.total.targets).toBe(2);
    expect(report.total.calls).toBe(report.targets[0]!.service!.calls + report.targets[1]!.service!.calls);
    expect(report.total.throughputPerS).toBeCloseTo(
      report.targets[0]!.service!.throughputPerS + report.targets[1]!.service!.throughputPerS,
      6,
    );
    const text = multiReportText(report);
    expect(text).toContain(`recs bench → ${targets[0]}`);
    expect(text).toContain(`recs bench → ${targets[1]}`);
    expect(text).toMatch(
      new RegExp(`total over 2 targets \\(loaded at the same time\\): ${report.total.calls} calls, \\d+ calls/s`),
    );

    const ingest = await runBenchTargets({ ...base, ingest: true, durationS: 1, streamEvents: 200 }, targets);
    expect(ingest.total.accepted).toBe(ingest.targets[0]!.ingest!.accepted + ingest.targets[1]!.ingest!.accepted);
    expect(ingest.total.accepted).toBeGreaterThan(0);
    expect(multiReportText(ingest)).toMatch(/total over 2 targets .*: \d+ events acknowledged, \d+ events\/s/);

    await expect(runBenchTargets({ ...base, baseline: true }, targets)).rejects.toThrow(/one --target/);
    await expect(runBenchTargets({ ...base, serverMetrics: "127.0.0.1:9464" }, targets)).rejects.toThrow(
      /one --target/,
    );
    await expect(runBenchTargets(base, [t.target, "10.0.0.1:1"])).rejects.toThrow(/only loads this machine/);
  });

  it("stops at seeding with UNAUTHENTICATED when the key is wrong", async () => {
    await expect(runBench({ ...base, apiKey: "not-the-key" })).rejects.toMatchObject({ code: 16 });
  });

  it("measures IngestFeedback events acknowledged per second over concurrent streams", async () => {
    const report = await runBench({ ...base, ingest: true, durationS: 1 });
    const ingest = report.ingest!;
    expect(report.service).toBeUndefined();
    expect(ingest.errors).toEqual({});
    expect(ingest.streamsCompleted).toBeGreaterThanOrEqual(2);
    expect(ingest.accepted + ingest.duplicates + ingest.rejected).toBe(ingest.sent);
    expect(ingest.rejected).toBe(0);
    expect(ingest.acceptedPerS).toBeCloseTo(ingest.accepted / ingest.elapsedS, 6);
    // The report says what the events were, and what the machine spent per event.
    const text = reportText(report);
    expect(text).toMatch(/IngestFeedback, 1 s, 90% of events answering a recommendation/);
    expect(report.machineCpu!.per).toBe("event");
    expect(text).toMatch(/this machine's CPU over the phase .* = \d+ µs per event/);
  });

  it("seeds as many recommendations as asked, and feedback answers all of them (--recommendations)", async () => {
    const workload = new StorefrontWorkload(t.client, {
      users: 50,
      k: 5,
      mix: parseMix("feedback=1"),
      answerShare: 1,
      recommendations: 300,
      rng: seededRandom(9),
    });
    const seeding = await workload.seed();
    expect(seeding.recommendations).toBe(300);
    const answered = new Set<string>();
    for (let i = 0; i < 6_000; i++) answered.add(workload.feedbackEvent().recommendationId!);
    // 6,000 draws over 300 recommendations reach nearly all of them; without the option only 50 (one per shopper).
    expect(answered.size).toBeGreaterThan(290);
    expect(answered.size).toBeLessThanOrEqual(300);
    const report = await runBench({ ...base, ingest: true, durationS: 1, streamEvents: 200, recommendations: 250 });
    expect(report.seeding.recommendations).toBe(250);
    expect(report.ingest!.accepted).toBeGreaterThan(0);
    expect(reportText(report)).toMatch(/250 recommendations for feedback to answer/);
  });

  it("measures the floor in the same run and compares the service with it", async ({ skip }) => {
    if (storage.kind !== "real") skip();
    const report = await runBench({
      ...base,
      baseline: true,
      mix: "recommend=1",
      databaseUrl: TEST_DATABASE_URL,
      redisUrl: TEST_REDIS_URL,
      durationS: 1,
    });
    const floor = report.floor!;
    expect(floor.errors).toEqual({});
    expect(floor.rpcs.map((r) => r.rpc)).toEqual(["FloorProbe"]);
    expect(floor.calls).toBeGreaterThan(10);
    expect(report.vsFloor!.throughput).toBeCloseTo(report.service!.throughputPerS / floor.throughputPerS, 6);
    expect(report.vsFloor!.p99.Recommend).toBeCloseTo(
      report.service!.rpcs[0]!.latencyMs.p99Ms / floor.rpcs[0]!.latencyMs.p99Ms,
      6,
    );
    // What a floor call costs the machine, and a Recommend as a multiple of it: the most the service could
    // reach at the floor's cores busy. (A Recommend does more than a floor call; the test's machine is shared.)
    const floorMachine = report.floorMachineCpu!;
    expect(floorMachine.per).toBe("call");
    expect(floorMachine.coresBusy).toBeGreaterThan(0);
    expect(floorMachine.perUnitMs).toBeCloseTo((floorMachine.seconds * 1000) / floor.calls, 9);
    expect(report.vsFloor!.machineCpuPerCall).toBeCloseTo(report.machineCpu!.perUnitMs / floorMachine.perUnitMs, 9);
    const bound = (1 / report.vsFloor!.machineCpuPerCall!).toFixed(2);
    expect(reportText(report)).toContain(`the service would reach at most ${bound}× its throughput`);
  });

  it("leaves the CPU comparison out when the machine's CPU is unknown (no /proc/stat)", () => {
    const phase = { elapsedS: 1, calls: 10, throughputPerS: 10, rpcs: [], errors: {}, histogram: [] };
    expect(compareWithFloor(phase, phase).machineCpuPerCall).toBeUndefined();
    expect(
      compareWithFloor(phase, phase, { service: cpuUse(0.03, 10, "call"), floor: cpuUse(0.01, 10, "call") })
        .machineCpuPerCall,
    ).toBeCloseTo(3, 9);
  });
});
