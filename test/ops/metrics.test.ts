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

type Answer = Awaited<ReturnType<RecsClient["recommend"]>>;

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

  it("labels what shoppers did with the answers, and each model's updates, by surface", async () => {
    const before = await scrape();
    // Home: three answers of three items, clicks at slots 1, 1 and 0, then a click on an item the first
    // answer did not hold, and an empty answer. Default: two answers of two items, one click at slot 0.
    const home: Answer[] = [];
    for (let i = 0; i < 3; i++)
      home.push(await client.recommend({ userId: `su-${i}`, sessionId: `ss-${i}`, k: 3, surface: "home" }));
    const plain: Answer[] = [];
    for (let i = 0; i < 2; i++) plain.push(await client.recommend({ userId: `su-${i}`, sessionId: `ss-${i}`, k: 2 }));
    const click = (n: string, answer: Answer, itemId: string, user = "su-0") =>
      client.feedback({
        eventId: `s-${n}`,
        userId: user,
        sessionId: "ss-0",
        itemId,
        type: "CLICK",
        recommendationId: answer.recommendationId,
      });
    expect((await click("h0", home[0]!, home[0]!.items[1]!.itemId)).appliedToModel).toBe(true);
    expect((await click("h1", home[1]!, home[1]!.items[1]!.itemId)).appliedToModel).toBe(true);
    expect((await click("h2", home[2]!, home[2]!.items[0]!.itemId)).appliedToModel).toBe(true);
    const notServed = testCatalog(20).find((item) => !home[0]!.items.some((s) => s.itemId === item.itemId))!;
    expect((await click("h-not-served", home[0]!, notServed.itemId!)).appliedToModel).toBe(false);
    expect((await client.recommend({ userId: "su-9", surface: "home", candidateIds: ["no-such-item"] })).items).toEqual(
      [],
    );
    expect((await click("d0", plain[0]!, plain[0]!.items[0]!.itemId)).appliedToModel).toBe(true);
    // Organic feedback, and feedback on a recommendation whose serving context nobody holds.
    await client.feedback({ eventId: "s-organic", userId: "su-1", sessionId: "ss-1", itemId: "item-3", type: "CLICK" });
    expect(
      (
        await client.feedback({
          eventId: "s-gone",
          userId: "su-1",
          sessionId: "ss-1",
          itemId: "item-4",
          type: "CLICK",
          recommendationId: "never-served",
        })
      ).appliedToModel,
    ).toBe(false);

    // Every item served gets one update, its click or its default reward: 9 on home, 4 on default.
    let after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      after.value(name, labels) - before.value(name, labels);
    for (
      let waited = 0;
      waited < 5_000 &&
      (delta("recs_model_updates", { surface: "home" }) < 9 || delta("recs_model_updates", { surface: "default" }) < 4);
      waited += 200
    ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      after = await scrape();
    }
    expect(delta("recs_model_updates", { surface: "home" })).toBe(9);
    expect(delta("recs_model_updates", { surface: "default" })).toBe(4);
    expect(after.value("recs_model_updates", { surface: "home" })).toBe(
      Number((await client.modelStatus(false, undefined, "home")).updateCount),
    );
    expect(after.value("recs_model_updates")).toBe(
      after.value("recs_model_updates", { surface: "home" }) +
        after.value("recs_model_updates", { surface: "default" }),
    );

    expect(delta("recs_recommended_items_total", { surface: "home" })).toBe(9);
    expect(delta("recs_recommended_items_total", { surface: "default" })).toBe(4);
    expect(delta("recs_empty_responses_total", { surface: "home" })).toBe(1);
    expect(delta("recs_empty_responses_total", { surface: "default" })).toBe(0);
    const clicks = (surface: string, answers = "recommendation") =>
      delta("recs_feedback_accepted_total", { type: "click", answers, surface });
    // The click on an item home did not serve is still home's: its serving context names the surface.
    expect(clicks("home")).toBe(4);
    expect(clicks("default")).toBe(1);
    expect(clicks("(unknown)")).toBe(1);
    expect(clicks("(none)", "organic")).toBe(1);
    expect(delta("recs_feedback_reward_count", { answers: "recommendation", surface: "home" })).toBe(4);
    expect(delta("recs_feedback_reward_sum", { answers: "recommendation", surface: "home" })).toBe(4);
    expect(delta("recs_clicks_by_position_total", { surface: "home", position: "1" })).toBe(2);
    expect(delta("recs_clicks_by_position_total", { surface: "home", position: "0" })).toBe(1);
    expect(delta("recs_clicks_by_position_total", { surface: "default", position: "0" })).toBe(1);
    expect(delta("recs_clicks_by_position_total")).toBe(4);
    expect(delta("recs_feedback_untrained_total", { reason: "item_not_served", surface: "home" })).toBe(1);
    expect(delta("recs_feedback_untrained_total", { reason: "context_gone", surface: "(unknown)" })).toBe(1);
    expect(delta("recs_feedback_untrained_total")).toBe(2);
    expect(after.text).toMatch(/# HELP recs_recommended_items_total .*at most RECS_MAX_SURFACES/);

    // The summary's surfaces are the models' (default first), not the feedback-only label values.
    const summary = (await (await fetch(`http://127.0.0.1:${ops.service.metricsPort}/summary.json`)).json()) as {
      surfaces: Array<{ surface: string; version: number; itemsServed: number; empty: number; clicks: number }>;
    };
    expect(summary.surfaces.map((s) => s.surface)).toEqual(["default", "home"]);
    expect(summary.surfaces[1]).toMatchObject({ version: 9, itemsServed: 9, empty: 1, clicks: 4 });
  });
});
