import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { postgresAvailable, redisAvailable } from "../helpers/servers";
import {
  codeOf,
  createTestStorage,
  healthClient,
  startTestService,
  testCatalog,
  type StoreKind,
  type TestService,
  type TestStorage,
} from "../helpers/service";

/** Lists services through the standard reflection API (grpc.reflection.v1), as grpcurl does. */
async function reflectedServices(target: string): Promise<string[]> {
  const { createRequire } = await import("node:module");
  const { loadSync } = await import("@grpc/proto-loader");
  const { credentials, loadPackageDefinition } = await import("@grpc/grpc-js");
  const path = createRequire(import.meta.url).resolve(
    "@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto",
  );
  const pkg = loadPackageDefinition(loadSync(path, { keepCase: true })) as unknown as {
    grpc: {
      reflection: {
        v1: {
          ServerReflection: new (
            t: string,
            c: ReturnType<typeof credentials.createInsecure>,
          ) => { ServerReflectionInfo(): NodeJS.EventEmitter & { write(m: object): void; end(): void }; close(): void };
        };
      };
    };
  };
  const client = new pkg.grpc.reflection.v1.ServerReflection(target, credentials.createInsecure());
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const call = client.ServerReflectionInfo();
      call.on("data", (res: { list_services_response?: { service: Array<{ name: string }> } }) =>
        resolve(res.list_services_response?.service.map((s) => s.name) ?? []),
      );
      call.on("error", reject);
      call.write({ list_services: "" });
      call.end();
    });
  } finally {
    client.close();
  }
}

const realStores = async () => (await postgresAvailable()) && (await redisAvailable());
const kinds: StoreKind[] = ["embedded", "real"];

describe.each(kinds)("recs.v1 end to end over a socket (%s stores)", (kind) => {
  let storage: TestStorage;
  let t: TestService;
  let enabled = true;

  beforeAll(async () => {
    if (kind === "real" && !(await realStores())) {
      enabled = false;
      return;
    }
    storage = await createTestStorage(kind);
    t = await startTestService(storage);
    const summary = await t.client.upsertItems(testCatalog(40));
    expect(summary.upserted).toBe("40");
  });

  afterAll(async () => {
    if (!enabled) return;
    t.client.close();
    await t.service.stop();
    await storage.drop();
  });

  it("reports SERVING once ready", async ({ skip }) => {
    if (!enabled) skip();
    const health = healthClient(t.target);
    for (const service of ["", "recs.v1.Recommender", "recs.v1.Catalog"]) {
      const res = await new Promise<{ status: string }>((resolve, reject) =>
        health.Check({ service }, (err, r) => (err ? reject(err) : resolve(r!))),
      );
      expect(res.status).toBe("SERVING");
    }
    health.close();
  });

  it("serves reflection: a client can discover both services without the proto file", async ({ skip }) => {
    if (!enabled) skip();
    const services = await reflectedServices(t.target);
    expect(services).toEqual(
      expect.arrayContaining(["recs.v1.Recommender", "recs.v1.Catalog", "grpc.health.v1.Health"]),
    );
  });

  it("upserts items, rejecting bad ones with index, id and reason", async ({ skip }) => {
    if (!enabled) skip();
    const summary = await t.client.upsertItems([
      { itemId: "ok-1", embedding: new Array(8).fill(0.5), category: "cat-0" },
      { itemId: "short", embedding: [1, 2, 3] },
      { itemId: "", embedding: new Array(8).fill(0.5) },
      { itemId: "nan", embedding: [NaN, 0, 0, 0, 0, 0, 0, 0] },
      { itemId: "nul", embedding: new Array(8).fill(0.5), attributes: { brand: "a\u0000b" } },
    ]);
    expect(summary).toMatchObject({ received: "5", upserted: "1", rejected: "4" });
    expect(summary.rejections[3]).toMatchObject({
      index: "4",
      id: "nul",
      reason: expect.stringMatching(/must not contain the NUL character/),
    });
    expect(summary.rejections.map((r) => [r.index, r.id])).toEqual([
      ["1", "short"],
      ["2", ""],
      ["3", "nan"],
      ["4", "nul"],
    ]);
    expect(summary.rejections[0]!.reason).toMatch(/embedding must have exactly 8 values/);
    expect(summary.rejections[1]!.reason).toMatch(/item_id is required/);
    expect(summary.rejections[2]!.reason).toMatch(/embedding\[0\] must be a finite number/);
    const item = await t.client.getItem("ok-1");
    expect(item.category).toBe("cat-0");
    expect(item.embedding).toHaveLength(8);
    expect(item.available).toBe(true);
  });

  it("refuses zero and absurd embeddings, naming item and field, and stores the rest at unit length", async ({
    skip,
  }) => {
    if (!enabled) skip();
    const summary = await t.client.upsertItems([
      { itemId: "huge", embedding: new Array(8).fill(1e30), category: "odd" },
      { itemId: "zero", embedding: new Array(8).fill(0), category: "odd" },
      { itemId: "tiny", embedding: new Array(8).fill(1e-9), category: "odd" },
      // Norm 1000, the longest allowed, pointing at cat-2: before normalising, it topped every slate.
      { itemId: "loud", embedding: [0, 0, 1000, 0, 0, 0, 0, 0], category: "odd" },
    ]);
    expect(summary).toMatchObject({ received: "4", upserted: "1", rejected: "3" });
    expect(summary.rejections.map((r) => [r.index, r.id])).toEqual([
      ["0", "huge"],
      ["1", "zero"],
      ["2", "tiny"],
    ]);
    expect(summary.rejections[0]!.reason).toMatch(/item "huge": embedding has L2 norm 2\.83e\+30, outside 1e-6\.\.1e3/);
    expect(summary.rejections[1]!.reason).toMatch(/item "zero": embedding is all zeros/);
    expect(summary.rejections[2]!.reason).toMatch(/item "tiny": embedding has L2 norm 2\.83e-9/);
    expect(await codeOf(t.client.getItem("huge"))).toMatchObject({ code: status.NOT_FOUND });
    const loud = await t.client.getItem("loud");
    expect(loud.embedding).toEqual([0, 0, 1, 0, 0, 0, 0, 0]);
    // A shopper who clicked cat-0 items: the long vector of another direction no longer wins the slate.
    for (const i of [0, 4, 8])
      await t.client.feedback({
        eventId: `loud-${i}`,
        userId: "u-loud",
        sessionId: "s-loud",
        itemId: `item-${i}`,
        type: "CLICK",
      });
    const rec = await t.client.recommend({ userId: "u-loud", sessionId: "s-loud", k: 5 });
    expect(rec.items.map((item) => item.itemId)).not.toContain("loud");
  });

  it("changes availability alone when an upsert has no embedding, for known items only", async ({ skip }) => {
    if (!enabled) skip();
    const whole = { ...testCatalog(1)[0]!, itemId: "stock-1", category: "cat-3", attributes: { brand: "kept" } };
    expect((await t.client.upsertItems([whole])).upserted).toBe("1");
    const before = await t.client.getItem("stock-1");
    const summary = await t.client.upsertItems([
      { itemId: "stock-1", available: false },
      { itemId: "never-added", available: false },
      { itemId: "stock-2" },
      { itemId: "stock-1", available: true, category: "cat-0" },
      // In one stream, in order: a new item then its availability; availability before the item exists.
      { ...whole, itemId: "new-in-stream" },
      { itemId: "new-in-stream", available: false },
      { itemId: "late", available: false },
      { ...whole, itemId: "late" },
    ]);
    expect(summary).toMatchObject({ received: "8", upserted: "4", rejected: "4" });
    expect(summary.rejections.map((r) => [r.index, r.id])).toEqual([
      ["1", "never-added"],
      ["2", "stock-2"],
      ["3", "stock-1"],
      ["6", "late"],
    ]);
    expect(summary.rejections[0]!.reason).toBe(
      'item_id "never-added" is not in the catalog: an upsert without embedding only changes the availability ' +
        "of a known item; send the whole item (with its embedding) to add it",
    );
    expect(summary.rejections[1]!.reason).toMatch(
      "embedding is required to add or replace an item (8 values, RECS_EMBEDDING_DIM); " +
        "to change only its availability, send item_id and available alone",
    );
    expect(summary.rejections[2]!.reason).toMatch(
      /item "stock-1": category and attributes cannot change without the embedding/,
    );
    expect(await t.client.getItem("stock-1")).toEqual({ ...before, available: false });
    expect(await codeOf(t.client.getItem("never-added"))).toMatchObject({ code: status.NOT_FOUND });
    expect((await t.client.getItem("new-in-stream")).available).toBe(false);
    expect((await t.client.getItem("late")).available).toBe(true);
    const offered = () =>
      t.client.recommend({ userId: "u-stock", sessionId: "s-stock", k: 3, candidateIds: ["stock-1", "new-in-stream"] });
    expect((await offered()).items).toEqual([]);
    expect((await t.client.upsertItems([{ itemId: "stock-1", available: true }])).upserted).toBe("1");
    expect(await t.client.getItem("stock-1")).toEqual({ ...before, available: true });
    expect((await offered()).items.map((item) => item.itemId)).toEqual(["stock-1"]);
  });

  it("GetItem: NOT_FOUND for an unknown id, INVALID_ARGUMENT for an empty one", async ({ skip }) => {
    if (!enabled) skip();
    expect(await codeOf(t.client.getItem("nope"))).toMatchObject({
      code: status.NOT_FOUND,
      details: expect.stringMatching(/nope/),
    });
    expect(await codeOf(t.client.getItem(""))).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/item_id/),
    });
    expect(await codeOf(t.client.getItem("x".repeat(257)))).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/item_id must be at most 256 bytes/),
    });
  });

  it("recommends k distinct available items with scores and exact propensities", async ({ skip }) => {
    if (!enabled) skip();
    const res = await t.client.recommend({ userId: "u1", sessionId: "s1", k: 5, context: { device: "mobile" } });
    expect(res.recommendationId).toMatch(/[0-9a-f-]{36}/);
    expect(res.modelVersion).toMatch(/^hlinucb/);
    expect(res.degraded).toEqual([]);
    expect(res.items).toHaveLength(5);
    expect(new Set(res.items.map((i) => i.itemId)).size).toBe(5);
    res.items.forEach((item, position) => {
      expect(item.position).toBe(position);
      expect(item.propensity).toBeGreaterThan(0);
      expect(item.propensity).toBeLessThanOrEqual(1);
      expect(item.score).toBeCloseTo(item.expectedReward + item.explorationBonus, 9);
    });
    const defaultK = await t.client.recommend({ userId: "u1", sessionId: "s1" });
    expect(defaultK.items).toHaveLength(10);
  });

  it("honours category, candidate_ids, exclude_ids and availability", async ({ skip }) => {
    if (!enabled) skip();
    await t.client.upsertItems([{ ...testCatalog(1)[0]!, itemId: "gone", available: false }]);
    const byCategory = await t.client.recommend({ userId: "u2", sessionId: "s2", k: 20, category: "cat-1" });
    expect(byCategory.items.length).toBeGreaterThan(0);
    for (const item of byCategory.items) expect((await t.client.getItem(item.itemId)).category).toBe("cat-1");
    const listed = await t.client.recommend({
      userId: "u2",
      sessionId: "s2",
      k: 10,
      candidateIds: ["item-1", "item-2", "gone", "unknown", "item-3"],
      excludeIds: ["item-3"],
    });
    expect(listed.items.map((i) => i.itemId).sort()).toEqual(["item-1", "item-2"]);
    const none = await t.client.recommend({ userId: "u2", sessionId: "s2", k: 3, candidateIds: ["gone"] });
    expect(none.items).toEqual([]);
  });

  it("rejects bad Recommend input with INVALID_ARGUMENT naming the field", async ({ skip }) => {
    if (!enabled) skip();
    const cases: Array<[object, RegExp]> = [
      [{ userId: "", sessionId: "s" }, /user_id is required/],
      [{ userId: "u", k: 101 }, /k must be at most 100/],
      [{ userId: "x".repeat(257) }, /user_id must be at most 256 bytes/],
      [
        { userId: "u", context: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, "v"])) },
        /context must have at most 64 entries/,
      ],
      [{ userId: "u", context: { page: "p".repeat(300) } }, /context\["page"\] must be at most 256 bytes/],
      [{ userId: "u", candidateIds: ["ok", ""] }, /candidate_ids\[1\] is required/],
    ];
    for (const [request, message] of cases) {
      const result = await codeOf(t.client.recommend(request));
      expect(result.code, JSON.stringify(request).slice(0, 80)).toBe(status.INVALID_ARGUMENT);
      expect(result.details).toMatch(message);
    }
  });

  it("learns from feedback: applied to the model, idempotent, visible in user state", async ({ skip }) => {
    if (!enabled) skip();
    const rec = await t.client.recommend({ userId: "u3", sessionId: "s3", k: 3 });
    const shown = rec.items[0]!.itemId;
    const ack = await t.client.feedback({
      eventId: "e-1",
      userId: "u3",
      sessionId: "s3",
      itemId: shown,
      type: "CLICK",
      recommendationId: rec.recommendationId,
    });
    expect(ack).toEqual({ duplicate: false, appliedToModel: true });
    const again = await t.client.feedback({
      eventId: "e-1",
      userId: "u3",
      sessionId: "s3",
      itemId: shown,
      type: "CLICK",
      recommendationId: rec.recommendationId,
    });
    expect(again).toEqual({ duplicate: true, appliedToModel: false });
    const organic = await t.client.feedback({
      eventId: "e-2",
      userId: "u3",
      sessionId: "s3",
      itemId: "item-7",
      type: "PURCHASE",
    });
    expect(organic).toEqual({ duplicate: false, appliedToModel: false });
    const state = await t.client.getUserState("u3", "s3");
    expect(state.interactionCount).toBe("2");
    expect(state.session.map((e) => [e.itemId, e.type])).toEqual([
      ["item-7", "PURCHASE"],
      [shown, "CLICK"],
    ]);
    expect(state.longTermEmbedding).toHaveLength(8);
    expect(Math.hypot(...state.longTermEmbedding)).toBeCloseTo(1, 5);
    expect(Number(state.updatedAtMs)).toBeGreaterThan(0);
    const after = await t.client.recommend({ userId: "u3", sessionId: "s3", k: 3 });
    expect(after.modelVersion).not.toBe(rec.modelVersion);
  });

  it("answers an unknown user with an empty state", async ({ skip }) => {
    if (!enabled) skip();
    const state = await t.client.getUserState("never-seen", "nor-this");
    expect(state).toMatchObject({ userId: "never-seen", longTermEmbedding: [], interactionCount: "0", session: [] });
  });

  it("rejects bad feedback precisely and changes nothing", async ({ skip }) => {
    if (!enabled) skip();
    const base = { eventId: "bad-1", userId: "u4", sessionId: "s4", itemId: "item-1", type: "CLICK" as const };
    const cases: Array<[object, number, RegExp]> = [
      [{ ...base, eventId: "" }, status.INVALID_ARGUMENT, /event_id is required/],
      [{ ...base, sessionId: "" }, status.INVALID_ARGUMENT, /session_id is required/],
      [{ ...base, type: 9 }, status.INVALID_ARGUMENT, /type 9 is not a FeedbackType/],
      [
        { ...base, type: "FEEDBACK_TYPE_UNSPECIFIED" },
        status.INVALID_ARGUMENT,
        /type is required unless reward is set/,
      ],
      [{ ...base, reward: NaN }, status.INVALID_ARGUMENT, /reward must be a finite number/],
      [{ ...base, reward: 2e6 }, status.INVALID_ARGUMENT, /reward must be within/],
      [{ ...base, itemId: "no-such-item" }, status.NOT_FOUND, /no-such-item/],
    ];
    for (const [event, code, message] of cases) {
      const result = await codeOf(t.client.feedback(event));
      expect(result.code, JSON.stringify(event)).toBe(code);
      expect(result.details).toMatch(message);
    }
    const state = await t.client.getUserState("u4", "s4");
    expect(state.interactionCount).toBe("0");
    expect(state.session).toEqual([]);
    // An explicit reward stands in for the type.
    expect(
      await t.client.feedback({ ...base, eventId: "reward-only", type: "FEEDBACK_TYPE_UNSPECIFIED", reward: 0.5 }),
    ).toEqual({ duplicate: false, appliedToModel: false });
  });

  it("ingests a stream: bad events rejected with index and reason, the rest accepted", async ({ skip }) => {
    if (!enabled) skip();
    const events = Array.from({ length: 50 }, (_, i) => ({
      eventId: `bulk-${i}`,
      userId: `bu-${i % 5}`,
      sessionId: `bs-${i % 5}`,
      itemId: `item-${i % 40}`,
      type: "CLICK" as const,
    }));
    events[10] = { ...events[10]!, itemId: "missing-item" };
    events[20] = { ...events[20]!, eventId: "" };
    events[30] = { ...events[3]! }; // a duplicate of an earlier one in the same stream
    const summary = await t.client.ingestFeedback(events);
    expect(summary).toMatchObject({ received: "50", accepted: "47", duplicates: "1", rejected: "2" });
    expect(summary.rejections.map((r) => [r.index, r.id])).toEqual([
      ["10", "bulk-10"],
      ["20", ""],
    ]);
    expect(summary.rejections[1]!.reason).toMatch(/event_id is required/);
    const user = await t.client.getUserState("bu-0", "bs-0");
    expect(user.interactionCount).toBe(
      String(events.filter((e, i) => e.userId === "bu-0" && i !== 10 && i !== 20 && i !== 30).length),
    );
  });

  // Only the real stores write Redis keys: the case exists for them alone.
  if (kind === "real")
    it("gives every Redis key it wrote a TTL", async ({ skip }) => {
      if (!enabled) skip();
      const { Redis } = await import("ioredis");
      const redis = new Redis(t.config.redisUrl!);
      try {
        await new Promise((r) => setTimeout(r, 200)); // let the model-update stream publish
        const keys = await redis.keys(`${t.config.redisPrefix}*`);
        expect(keys.length).toBeGreaterThan(3); // session windows, serving contexts, the due set, the update stream
        for (const key of keys) expect(await redis.pttl(key), key).toBeGreaterThan(0);
      } finally {
        redis.disconnect();
      }
    });

  it("drains an in-flight call on shutdown, then reports NOT_SERVING", async ({ skip }) => {
    if (!enabled) skip();
    // One process per embedded folder, even within one process: the second service gets a folder of its own.
    if (kind === "embedded")
      await expect(startTestService(storage)).rejects.toThrow(
        `the embedded data folder ${storage.overrides.dataDir} is in use by process ${process.pid}`,
      );
    const own = kind === "embedded" ? await createTestStorage(kind) : storage;
    const extra = await startTestService(own);
    try {
      if (own !== storage) await extra.client.upsertItems(testCatalog(40));
      const health = healthClient(extra.target);
      const statuses: string[] = [];
      const watch = health.Watch({ service: "" });
      watch.on("data", (res: { status: string }) => statuses.push(res.status));
      watch.on("error", () => undefined);
      for (let i = 0; i < 100 && statuses.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      const stream = extra.client.recommender.IngestFeedback(extra.client.metadata(), (err, summary) =>
        done(err, summary),
      );
      let done!: (err: unknown, summary: unknown) => void;
      const finished = new Promise<{ accepted: string }>(
        (resolve, reject) => (done = (err, s) => (err ? reject(err) : resolve(s as { accepted: string }))),
      );
      stream.write({ eventId: "drain-1", userId: "d", sessionId: "d", itemId: "item-1", type: "CLICK" });
      await new Promise((r) => setTimeout(r, 100));
      const stopping = extra.service.stop(5_000);
      await new Promise((r) => setTimeout(r, 100));
      stream.write({ eventId: "drain-2", userId: "d", sessionId: "d", itemId: "item-2", type: "CLICK" });
      stream.end();
      expect((await finished).accepted).toBe("2");
      await stopping;
      expect(statuses[0]).toBe("SERVING");
      expect(statuses).toContain("NOT_SERVING");
      health.close();
    } finally {
      extra.client.close();
      await extra.service.stop();
      if (own !== storage) await own.drop();
    }
  });
});
