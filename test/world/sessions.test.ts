import { describe, expect, it } from "vitest";
import { createRandom } from "../../src/world/random";
import { WORLD_EPOCH_MS, sessionStream, type StreamEvent } from "../../src/world/sessions";
import { createWorld } from "../../src/world/world";
import { SMALL_WORLD } from "./small-world";

const world = createWorld(SMALL_WORLD, 42);

function take(count: number, seed = 9): StreamEvent[] {
  const stream = sessionStream(world, createRandom(seed));
  return Array.from({ length: count }, () => stream.next().value);
}

describe("sessionStream", () => {
  const events = take(6000);

  it("is deterministic by seed and yields events in time order from the epoch", () => {
    const again = take(6000);
    expect(again.map((e) => [e.kind, e.ts, e.session.sessionId])).toEqual(
      events.map((e) => [e.kind, e.ts, e.session.sessionId]),
    );
    expect(take(50, 10).map((e) => e.ts)).not.toEqual(events.slice(0, 50).map((e) => e.ts));
    expect(events[0]!.ts).toBeGreaterThanOrEqual(WORLD_EPOCH_MS);
    for (let i = 1; i < events.length; i++) expect(events[i]!.ts).toBeGreaterThanOrEqual(events[i - 1]!.ts);
  });

  it("interleaves overlapping sessions, and users come back for more sessions", () => {
    const sessionsOfUser = new Map<string, Set<string>>();
    for (const e of events) {
      const set = sessionsOfUser.get(e.session.user.userId) ?? new Set<string>();
      set.add(e.session.sessionId);
      sessionsOfUser.set(e.session.user.userId, set);
    }
    const returning = [...sessionsOfUser.values()].filter((s) => s.size > 1).length;
    expect(returning).toBeGreaterThan(50);
    const sessionsSeen = new Set(events.slice(0, 40).map((e) => e.session.sessionId));
    const order = events.slice(0, 40).map((e) => e.session.sessionId);
    const switches = order.filter((id, i) => i > 0 && id !== order[i - 1]).length;
    expect(switches).toBeGreaterThan(sessionsSeen.size - 1);
  });

  it("draws intents mostly from the user's tastes", () => {
    const sessions = new Map(events.map((e) => [e.session.sessionId, e.session]));
    const fromTaste = [...sessions.values()].filter((s) => s.user.tasteCategories.includes(s.intent)).length;
    expect(fromTaste / sessions.size).toBeGreaterThan(0.65);
  });

  it("drifts a session's organic clicks toward its intent", () => {
    const seen = new Map<string, number>();
    const onIntentByRank = [
      { on: 0, all: 0 },
      { on: 0, all: 0 },
    ];
    for (const e of events) {
      if (e.kind !== "browse") continue;
      const rank = seen.get(e.session.sessionId) ?? 0;
      seen.set(e.session.sessionId, rank + 1);
      const bucket = onIntentByRank[Math.min(rank, 1)]!;
      bucket.all++;
      if (world.items[e.itemIndex]!.category === e.session.intent) bucket.on++;
    }
    const first = onIntentByRank[0]!.on / onIntentByRank[0]!.all;
    const later = onIntentByRank[1]!.on / onIntentByRank[1]!.all;
    expect(first).toBeGreaterThan(0.3);
    expect(later).toBeGreaterThan(first + 0.15);
  });

  it("gives each decision a device fixed per session and a page", () => {
    const devices = new Map<string, string>();
    let decisions = 0;
    for (const e of events) {
      if (e.kind !== "decision") continue;
      decisions++;
      expect(["home", "product", "cart"]).toContain(e.context.page);
      expect(e.context.device).toBe(e.session.device);
      devices.set(e.session.sessionId, e.context.device);
    }
    expect(decisions).toBeGreaterThan(events.length / 2);
    expect(new Set(devices.values()).size).toBe(2);
  });
});
