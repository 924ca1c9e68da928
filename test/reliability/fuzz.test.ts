import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom, type Random } from "../../src/bandit/rng";
import type { FeedbackEvent } from "../../src/server/generated/recs/v1/FeedbackEvent";
import type { Item } from "../../src/server/generated/recs/v1/Item";
import type { RecommendRequest } from "../../src/server/generated/recs/v1/RecommendRequest";
import {
  codeOf,
  createTestStorage,
  healthClient,
  startTestService,
  testCatalog,
  type TestService,
  type TestStorage,
} from "../helpers/service";
import { realStoresUp } from "./harness";

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_129);
const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 400);
const { OK, INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED } = status;
/** What a client may see for hostile input. INTERNAL and UNKNOWN would mean the server broke. */
const ALLOWED = new Set<number>([OK, INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED]);
const MIB = 1024 * 1024;

const ascii = (n: number) => "x".repeat(n);
const pick = <T>(rng: Random, values: readonly T[]): T => values[Math.floor(rng() * values.length)]!;

/** Strings at and around every limit, plus the odd ones. */
function fuzzString(rng: Random): string {
  return pick(rng, [
    () => "",
    () => "item-1",
    () => ascii(256),
    () => ascii(257),
    () => "é".repeat(128), // 256 bytes
    () => "é".repeat(129), // 258 bytes
    () => "\u0000\u0001\u{1F600}\uFFFD",
    () => "a\u0000b",
    () => ascii(4 * MIB + 1),
    () =>
      Array.from({ length: 1 + Math.floor(rng() * 40) }, () =>
        String.fromCharCode(32 + Math.floor(rng() * 0xd000)),
      ).join(""),
  ])();
}
const fuzzNumber = (rng: Random) =>
  pick(rng, [NaN, Infinity, -Infinity, 0, -0, 1, 1e6, 1e6 + 1, -1e6, -1e300, 5e-324, Number.MAX_VALUE]);
const fuzzEnum = (rng: Random) =>
  pick(rng, [-1, 0, 1, 2, 3, 4, 5, 99, 2 ** 31 - 1, "CLICK", "PURCHASE", "FEEDBACK_TYPE_UNSPECIFIED"]);
const fuzzMap = (rng: Random): Record<string, string> => {
  const size = pick(rng, [0, 1, 64, 65, 200]);
  const value = pick(rng, ["v", ascii(256), ascii(257)]);
  const key = pick(rng, ["k", ascii(250), ascii(257)]);
  return Object.fromEntries(
    Array.from({ length: size }, (_, i) => [`${key}${i}`.slice(-Math.max(1, key.length)), value]),
  );
};
const fuzzIds = (rng: Random) =>
  Array.from({ length: pick(rng, [0, 1, 100, 10_000, 10_001]) }, (_, i) => (rng() < 0.001 ? "" : `item-${i}`));

describe("hostile and boundary input", () => {
  let storage: TestStorage;
  let t: TestService;

  beforeAll(async () => {
    storage = await createTestStorage((await realStoresUp()) ? "real" : "embedded");
    t = await startTestService(storage);
    await t.client.upsertItems(testCatalog(30));
  });
  afterAll(async () => {
    t?.client.close();
    await t?.service.stop();
    await storage?.drop();
  });

  const recommend = (req: Partial<RecommendRequest>) =>
    codeOf(t.client.recommend({ userId: "u", ...req } as RecommendRequest));
  const feedback = (event: Partial<FeedbackEvent> & Record<string, unknown>) =>
    codeOf(
      t.client.feedback({
        eventId: `e-${Math.random()}`,
        userId: "u",
        sessionId: "s",
        itemId: "item-1",
        type: "CLICK",
        ...event,
      } as FeedbackEvent),
    );

  it("answers each limit of the contract with the documented status and a message naming the field", async () => {
    const cases: Array<[string, Promise<{ code: number; details: string }>, number, RegExp?]> = [
      ["empty user_id", recommend({ userId: "" }), INVALID_ARGUMENT, /user_id is required/],
      ["256-byte user_id", recommend({ userId: ascii(256) }), OK],
      ["257-byte user_id", recommend({ userId: ascii(257) }), INVALID_ARGUMENT, /user_id must be at most 256 bytes/],
      ["256 bytes of é", recommend({ userId: "é".repeat(128) }), OK],
      ["258 bytes of é", recommend({ userId: "é".repeat(129) }), INVALID_ARGUMENT, /user_id/],
      ["k = 100", recommend({ k: 100 }), OK],
      ["k = 101", recommend({ k: 101 }), INVALID_ARGUMENT, /k must be at most 100/],
      ["k = 2^32-1", recommend({ k: 2 ** 32 - 1 }), INVALID_ARGUMENT, /k must be at most 100/],
      [
        "64 context entries",
        recommend({ context: Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, ascii(256)])) }),
        OK,
      ],
      [
        "65 context entries",
        recommend({ context: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, "v"])) }),
        INVALID_ARGUMENT,
        /context must have at most 64 entries/,
      ],
      ["257-byte context value", recommend({ context: { page: ascii(257) } }), INVALID_ARGUMENT, /context\["page"\]/],
      [
        "10k unknown candidate ids",
        recommend({ candidateIds: Array.from({ length: 10_000 }, (_, i) => `nope-${i}`) }),
        OK,
      ],
      [
        "10001 candidate ids",
        recommend({ candidateIds: Array.from({ length: 10_001 }, (_, i) => `c-${i}`) }),
        INVALID_ARGUMENT,
        /candidate_ids must have at most 10000/,
      ],
      [
        "empty candidate id",
        recommend({ candidateIds: ["item-1", ""] }),
        INVALID_ARGUMENT,
        /candidate_ids\[1\] is required/,
      ],
      ["257-byte category", recommend({ category: ascii(257) }), INVALID_ARGUMENT, /category/],
      ["message over 4 MiB", recommend({ userId: ascii(4 * MIB + 1) }), RESOURCE_EXHAUSTED],
      ["NaN reward", feedback({ reward: NaN }), INVALID_ARGUMENT, /reward must be a finite number/],
      ["Infinity reward", feedback({ reward: Infinity }), INVALID_ARGUMENT, /reward must be a finite number/],
      ["-Infinity reward", feedback({ reward: -Infinity }), INVALID_ARGUMENT, /reward/],
      ["reward 1e6", feedback({ reward: 1e6 }), OK],
      ["reward 1e6+1", feedback({ reward: 1e6 + 1 }), INVALID_ARGUMENT, /reward must be within/],
      ["type 99", feedback({ type: 99 as never }), INVALID_ARGUMENT, /type 99 is not a FeedbackType/],
      ["type -1", feedback({ type: -1 as never }), INVALID_ARGUMENT, /not a FeedbackType/],
      [
        "type unset, no reward",
        feedback({ type: "FEEDBACK_TYPE_UNSPECIFIED" }),
        INVALID_ARGUMENT,
        /type is required unless reward is set/,
      ],
      ["type unset, reward set", feedback({ type: "FEEDBACK_TYPE_UNSPECIFIED", reward: 0.5 }), OK],
      ["unknown item", feedback({ itemId: "not-in-catalog" }), NOT_FOUND, /not-in-catalog/],
      ["negative time", feedback({ occurredAtMs: "-1" }), INVALID_ARGUMENT, /occurred_at_ms/],
      ["int64 max time", feedback({ occurredAtMs: "9223372036854775807" }), INVALID_ARGUMENT, /occurred_at_ms/],
      [
        "NUL in user_id",
        recommend({ userId: "a\u0000b" }),
        INVALID_ARGUMENT,
        /user_id must not contain the NUL character/,
      ],
      [
        "NUL in a context value",
        recommend({ context: { page: "x\u0000" } }),
        INVALID_ARGUMENT,
        /context\["page"\] must not contain the NUL/,
      ],
      [
        "NUL in session_id",
        feedback({ sessionId: "s\u0000" }),
        INVALID_ARGUMENT,
        /session_id must not contain the NUL/,
      ],
      ["empty event", codeOf(t.client.feedback({})), INVALID_ARGUMENT, /event_id is required/],
      ["empty user state", codeOf(t.client.getUserState("")), INVALID_ARGUMENT, /user_id is required/],
      ["empty item id", codeOf(t.client.getItem("")), INVALID_ARGUMENT, /item_id/],
    ];
    const results = await Promise.all(
      cases.map(async ([name, call, code, message]) => ({ name, code, message, got: await call })),
    );
    for (const { name, code, message, got } of results) {
      expect({ name, code: got.code }).toEqual({ name, code });
      if (message) expect(got.details, name).toMatch(message);
    }
  });

  it(
    "a stream with bad events rejects those (index, id, reason) and accepts the rest; " + "an empty stream is OK",
    async () => {
      const events: FeedbackEvent[] = [
        { eventId: "st-0", userId: "su", sessionId: "ss", itemId: "item-2", type: "CLICK" },
        { eventId: "st-1", userId: "su", sessionId: "ss", itemId: "item-2", type: 42 as never },
        { eventId: "st-2", userId: "su", sessionId: "ss", itemId: "nowhere", type: "CLICK" },
        { eventId: "st-3", userId: "", sessionId: "ss", itemId: "item-2", type: "CLICK" },
        { eventId: "st-4", userId: "su", sessionId: "ss", itemId: "item-3", reward: NaN, type: "CLICK" },
        { eventId: "st-0", userId: "su", sessionId: "ss", itemId: "item-2", type: "CLICK" },
        { eventId: "st-6", userId: "su", sessionId: "ss", itemId: "item-3", type: "PURCHASE" },
      ];
      const summary = await t.client.ingestFeedback(events);
      expect(summary).toMatchObject({ received: "7", accepted: "2", duplicates: "1", rejected: "4" });
      expect(summary.rejections.map((r) => [r.index, r.id])).toEqual([
        ["1", "st-1"],
        ["2", "st-2"],
        ["3", "st-3"],
        ["4", "st-4"],
      ]);
      expect(summary.rejections.map((r) => r.reason).join("\n")).toMatch(
        /type 42[\s\S]*nowhere[\s\S]*user_id is required[\s\S]*reward/,
      );
      expect(await t.client.ingestFeedback([])).toMatchObject({
        received: "0",
        accepted: "0",
        duplicates: "0",
        rejected: "0",
      });
      const items: Item[] = [
        { itemId: "fz-ok", embedding: testCatalog(1)[0]!.embedding },
        { itemId: "fz-nan", embedding: [NaN, 0, 0, 0, 0, 0, 0, 0] },
        {
          itemId: "fz-attrs",
          embedding: testCatalog(1)[0]!.embedding,
          attributes: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`a${i}`, "v"])),
        },
        { itemId: ascii(257), embedding: testCatalog(1)[0]!.embedding },
      ];
      expect(await t.client.upsertItems(items)).toMatchObject({ received: "4", upserted: "1", rejected: "3" });
    },
  );

  it(
    `survives ${ROUNDS} seeded random messages (seed ${SEED}) with only documented status codes, ` +
      `and stays healthy`,
    async () => {
      const rng = seededRandom(SEED);
      const seen = new Map<number, number>();
      for (let round = 0; round < ROUNDS; round += 8) {
        const calls = Array.from({ length: 8 }, () => {
          const which = rng();
          if (which < 0.45) {
            return codeOf(
              t.client.recommend({
                userId: fuzzString(rng),
                sessionId: pick(rng, ["", "s", ascii(300)]),
                k: pick(rng, [0, 1, 100, 101, 2 ** 32 - 1]),
                context: fuzzMap(rng),
                candidateIds: rng() < 0.3 ? fuzzIds(rng) : [],
                excludeIds: rng() < 0.2 ? fuzzIds(rng) : [],
                category: pick(rng, ["", "cat-1", ascii(257)]),
              }),
            );
          }
          if (which < 0.85) {
            return codeOf(
              t.client.feedback({
                eventId: rng() < 0.9 ? `fz-${Math.floor(rng() * 1e9)}` : fuzzString(rng),
                userId: pick(rng, ["fu", "", ascii(257)]),
                sessionId: pick(rng, ["fs", "", "é".repeat(129)]),
                itemId: pick(rng, ["item-1", "item-29", "ghost", "", ascii(257)]),
                type: fuzzEnum(rng) as never,
                ...(rng() < 0.5 ? { reward: fuzzNumber(rng) } : {}),
                recommendationId: pick(rng, ["", "0000", ascii(257)]),
                occurredAtMs: pick(rng, ["0", "-1", "1700000000000", "9223372036854775807", "-9223372036854775808"]),
              }),
            );
          }
          if (which < 0.95) return codeOf(t.client.getUserState(fuzzString(rng), pick(rng, ["", "s", ascii(257)])));
          return codeOf(t.client.getItem(fuzzString(rng)));
        });
        for (const { code, details } of await Promise.all(calls)) {
          seen.set(code, (seen.get(code) ?? 0) + 1);
          if (!ALLOWED.has(code)) throw new Error(`status ${status[code]} for fuzzed input: ${details}`);
        }
      }
      console.info(`fuzz seed ${SEED}: ${[...seen].map(([code, n]) => `${status[code]} ${n}`).join(", ")}`);
      expect(seen.get(INVALID_ARGUMENT)).toBeGreaterThan(0);
      expect(seen.get(OK)).toBeGreaterThan(0);

      const health = healthClient(t.target);
      const serving = await new Promise<string>((resolve, reject) =>
        health.Check({ service: "recs.v1.Recommender" }, (err, res) => (err ? reject(err) : resolve(res!.status))),
      );
      health.close();
      expect(serving).toBe("SERVING");
      const normal = await t.client.recommend({ userId: "after-fuzz", sessionId: "s", k: 5 });
      expect(normal.items).toHaveLength(5);
      // No hostile input tripped a store's circuit breaker: a stranger is served from the stores.
      expect(normal.degraded).toEqual([]);
    },
  );
});
