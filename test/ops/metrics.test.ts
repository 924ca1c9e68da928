import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { RecsClient } from "../../src/client/recs-client";
import { codeOf, testCatalog, type TestStorage } from "../helpers/service";
import { freePort, opsStorage, startOpsService, type OpsService } from "./ops-service";

/** One sample of the Prometheus text format: name, labels, value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

describe("Prometheus /metrics on RECS_METRICS_PORT", () => {
  let storage: TestStorage;
  let ops: OpsService;
  let client: RecsClient;
  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${ops.service.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/plain/);
    const text = await res.text();
    const samples = parseExposition(text);
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples
        .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        .reduce((sum, s) => sum + s.value, 0);
    return { text, samples, value };
  };

  beforeAll(async () => {
    storage = await opsStorage();
    const metricsPort = await freePort();
    // A short reward wait and snapshot interval so default rewards and a snapshot happen during the test.
    ops = await startOpsService(storage, { metricsPort, rewardWaitMs: 1_000, snapshotIntervalS: 1, logLevel: "warn" });
    expect(ops.service.metricsPort).toBe(metricsPort);
    client = new RecsClient(ops.target, { timeoutMs: 5_000 });
    await client.upsertItems(testCatalog(20));
  });

  afterAll(async () => {
    client?.close();
    await ops?.service.stop();
    await storage?.drop();
  });

  it("serves the live page at /, its summary, /metrics and the probes; nothing else", async () => {
    const page = await fetch(`http://127.0.0.1:${ops.service.metricsPort}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    const summary = await fetch(`http://127.0.0.1:${ops.service.metricsPort}/summary.json`);
    expect(summary.status).toBe(200);
    expect(await summary.json()).toMatchObject({ catalog: { items: 20 }, recommend: { empty: 0 } });
    expect((await fetch(`http://127.0.0.1:${ops.service.metricsPort}/other`)).status).toBe(404);
  });

  it("counts RPCs, feedback outcomes, cache lookups, bandit updates, event-log batches and the model", async () => {
    const before = await scrape();
    const first = await client.recommend({ userId: "mu-0", sessionId: "ms-0", k: 3 });
    // Answered within the reward wait window, so it trains the model.
    const answered = {
      eventId: "m-e1",
      userId: "mu-0",
      sessionId: "ms-0",
      itemId: first.items[0]!.itemId,
      type: "CLICK" as const,
      recommendationId: first.recommendationId,
    };
    expect((await client.feedback(answered)).appliedToModel).toBe(true);
    for (let i = 1; i < 5; i++) await client.recommend({ userId: `mu-${i % 2}`, sessionId: `ms-${i}`, k: 3 });
    expect((await client.feedback(answered)).duplicate).toBe(true);
    expect((await codeOf(client.feedback({ ...answered, eventId: "m-e2", itemId: "not-in-catalog" }))).code).toBe(
      status.NOT_FOUND,
    );
    expect((await codeOf(client.recommend({ userId: "" }))).code).toBe(status.INVALID_ARGUMENT);
    await client.ingestFeedback(
      Array.from({ length: 30 }, (_, i) => ({
        eventId: `m-bulk-${i}`,
        userId: "mu-1",
        sessionId: "ms-1",
        itemId: `item-${i % 20}`,
        type: "CLICK" as const,
      })),
    );

    // Wait past the reward window (default rewards), the snapshot interval and the model gauge's 50 ms refresh.
    let after = await scrape();
    for (
      let waited = 0;
      waited < 5_000 &&
      (after.value("recs_model_snapshot_age_seconds") < 0 ||
        after.value("recs_default_rewards_total") - before.value("recs_default_rewards_total") < 14 ||
        after.value("recs_model_updates") < 15);
      waited += 200
    ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      after = await scrape();
    }
    const delta = (name: string, labels: Record<string, string> = {}) =>
      after.value(name, labels) - before.value(name, labels);

    // RPC latency histogram and counter, by method and status code.
    expect(delta("recs_rpc_duration_seconds_count", { method: "Recommend", code: "OK" })).toBe(5);
    expect(delta("recs_rpc_duration_seconds_count", { method: "Recommend", code: "INVALID_ARGUMENT" })).toBe(1);
    expect(delta("recs_rpc_duration_seconds_count", { method: "Feedback", code: "OK" })).toBe(2);
    expect(delta("recs_rpc_duration_seconds_count", { method: "Feedback", code: "NOT_FOUND" })).toBe(1);
    expect(delta("recs_rpc_duration_seconds_count", { method: "IngestFeedback", code: "OK" })).toBe(1);
    expect(
      after.samples.some(
        (s) =>
          s.name === "recs_rpc_duration_seconds_bucket" && s.labels.method === "Recommend" && s.labels.le === "+Inf",
      ),
    ).toBe(true);
    expect(delta("recs_rpc_total", { method: "Recommend" })).toBe(6);

    // Feedback outcomes: 1 + 30 accepted, 1 duplicate, 1 rejected.
    expect(delta("recs_feedback_events_total", { outcome: "accepted" })).toBe(31);
    expect(delta("recs_feedback_events_total", { outcome: "duplicate" })).toBe(1);
    expect(delta("recs_feedback_events_total", { outcome: "rejected" })).toBe(1);

    // State-store latency by store and operation: every Recommend read its session window once.
    expect(delta("recs_store_operation_seconds_count", { store: "session_store", operation: "read_window" })).toBe(5);
    // Feedback appends to session windows in one guarded call per group-commit batch (a context this
    // replica served is read from memory, without a store call).
    expect(
      delta("recs_store_operation_seconds_count", { store: "session_store", operation: "append" }),
    ).toBeGreaterThanOrEqual(1);
    expect(after.text).toContain("# TYPE recs_store_errors_total counter");
    expect(delta("recs_store_errors_total")).toBe(0);

    // Two users over five calls: at least one miss each, and hits once cached.
    expect(delta("recs_user_cache_total", { result: "miss" })).toBeGreaterThanOrEqual(2);
    expect(delta("recs_user_cache_total", { result: "hit" }) + delta("recs_user_cache_total", { result: "miss" })).toBe(
      5,
    );

    // No store failed, so no degraded responses; the family is still declared for dashboards.
    expect(after.text).toContain("# TYPE recs_degraded_responses_total counter");
    expect(delta("recs_degraded_responses_total")).toBe(0);

    // Bandit: the answered click, then default rewards for the 14 shown items nobody clicked.
    expect(delta("recs_bandit_updates_total", { source: "feedback" })).toBe(1);
    expect(delta("recs_default_rewards_total")).toBe(14);
    expect(delta("recs_bandit_updates_total", { source: "default_reward" })).toBe(14);
    expect(after.value("recs_model_updates")).toBe(15);
    expect(after.value("recs_model_snapshot_age_seconds")).toBeGreaterThanOrEqual(0);
    expect(after.value("recs_model_snapshot_age_seconds")).toBeLessThan(5);

    // What shoppers did with the answers: five answers of three items, one answered click (slot 0),
    // thirty organic clicks.
    expect(delta("recs_recommended_items_total")).toBe(15);
    expect(delta("recs_empty_responses_total")).toBe(0);
    expect(delta("recs_feedback_accepted_total", { type: "click", answers: "recommendation" })).toBe(1);
    expect(delta("recs_feedback_accepted_total", { type: "click", answers: "organic" })).toBe(30);
    expect(delta("recs_clicks_by_position_total", { position: "0" })).toBe(1);
    expect(delta("recs_feedback_reward_count", { answers: "recommendation" })).toBe(1);
    expect(after.value("recs_catalog_items")).toBe(20);

    // Event-log batches: every accepted event and impression went through a counted write.
    expect(delta("recs_event_log_batch_size_sum", { log: "feedback" })).toBeGreaterThanOrEqual(31);
    expect(delta("recs_event_log_batch_size_sum", { log: "impressions" })).toBeGreaterThanOrEqual(5);
    expect(delta("recs_event_log_flush_seconds_count", { log: "feedback" })).toBeGreaterThanOrEqual(1);

    // Process metrics come along (prefixed).
    expect(after.samples.some((s) => s.name.startsWith("recs_process_"))).toBe(true);
  });
});
