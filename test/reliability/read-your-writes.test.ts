import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FeedbackEvent } from "../../src/server/generated/recs/v1/FeedbackEvent";
import { postgresAvailable, redisAvailable } from "../helpers/servers";
import {
  createTestStorage,
  startTestService,
  testCatalog,
  type StoreKind,
  type TestService,
  type TestStorage,
} from "../helpers/service";
import { eventually, realStoresUp, SLACK_MS, startFaultyStack, timed, type FaultyStack } from "./harness";

const USERS = 6;
const PER_USER = 100;
const kinds: StoreKind[] = ["embedded", "real"];

/** `PER_USER` events for each of `USERS` users of `run`, interleaved as a bulk load sends them. */
function interleaved(run: string): FeedbackEvent[] {
  const events: FeedbackEvent[] = [];
  for (let i = 0; i < PER_USER; i++) {
    for (let u = 0; u < USERS; u++)
      events.push({
        eventId: `${run}-u${u}-${i}`,
        userId: `${run}-u${u}`,
        sessionId: `${run}-s${u}`,
        itemId: `item-${(i * 7 + u) % 40}`,
        type: i % 3 === 0 ? "PURCHASE" : "CLICK",
      });
  }
  return events;
}

/** What GetUserState answers for each user of the run, and what the store holds. */
async function counts(t: TestService, run: string): Promise<{ served: number[]; stored: number[] }> {
  const users = Array.from({ length: USERS }, (_, u) => `${run}-u${u}`);
  const served = await Promise.all(
    users.map(async (user) => Number((await t.client.getUserState(user)).interactionCount)),
  );
  const stored = await Promise.all(
    users.map(async (user) => (await t.service.stores.durable.users.get(user))?.interactionCount ?? 0),
  );
  return { served, stored };
}

const all = (n: number) => Array.from({ length: USERS }, () => n);

describe.each(kinds)("GetUserState reads its own writes after resends (%s stores)", (kind) => {
  let storage: TestStorage;
  /** The running replica: one for the suite, replaced by the restart test. */
  let t: TestService | null = null;
  let enabled = true;

  beforeAll(async () => {
    if (kind === "real" && !((await postgresAvailable()) && (await redisAvailable()))) {
      enabled = false;
      return;
    }
    storage = await createTestStorage(kind);
    t = await startTestService(storage);
    await t.client.upsertItems(testCatalog(40));
  });
  afterAll(async () => {
    if (!enabled) return;
    t?.client.close();
    await t?.service.stop();
    await storage.drop();
  });

  it("a stream resent after part of it landed (its first half; every other event): every count is the log's", async ({
    skip,
  }) => {
    if (!enabled || !t) skip();
    const replica = t!;
    const landed: Array<[string, (events: FeedbackEvent[]) => FeedbackEvent[]]> = [
      ["half", (events) => events.slice(0, events.length / 2)],
      ["alternate", (events) => events.filter((_, i) => i % (2 * USERS) < USERS)],
    ];
    for (const [run, part] of landed) {
      const events = interleaved(run);
      expect(await replica.client.ingestFeedback(part(events))).toMatchObject({
        accepted: String(events.length / 2),
        rejected: "0",
      });
      const summary = await replica.client.ingestFeedback(events);
      expect(summary).toMatchObject({
        received: String(events.length),
        accepted: String(events.length / 2),
        duplicates: String(events.length / 2),
        rejected: "0",
      });
      expect({ run, ...(await counts(replica, run)) }).toEqual({ run, served: all(PER_USER), stored: all(PER_USER) });
    }
  }, 60_000);

  it("a restart between the first half and the resend: every count is the log's", async ({ skip }) => {
    if (!enabled || !t) skip();
    const events = interleaved("restart");
    const first = t!;
    // The user state is cached here, as a serving replica's would be.
    await first.client.ingestFeedback(events.filter((_, i) => i % (2 * USERS) < USERS));
    await counts(first, "restart");
    first.client.close();
    t = null;
    await first.service.stop();
    const second = (t = await startTestService(storage));
    const summary = await second.client.ingestFeedback(events);
    expect(summary).toMatchObject({
      accepted: String(events.length / 2),
      duplicates: String(events.length / 2),
      rejected: "0",
    });
    expect(await counts(second, "restart")).toEqual({ served: all(PER_USER), stored: all(PER_USER) });
    // And once more, all duplicates: nothing moves.
    expect(await second.client.ingestFeedback(events)).toMatchObject({
      accepted: "0",
      duplicates: String(events.length),
    });
    expect(await counts(second, "restart")).toEqual({ served: all(PER_USER), stored: all(PER_USER) });
  }, 60_000);
});

const faults = await realStoresUp();

describe.runIf(faults)("GetUserState after a Postgres write that landed late", () => {
  let s: FaultyStack;

  beforeAll(async () => {
    s = await startFaultyStack();
  });
  afterAll(() => s?.close());

  it("the count follows the log once the write the client was told to retry lands", async () => {
    await s.t.client.feedback({
      eventId: "late-0",
      userId: "late",
      sessionId: "late-s",
      itemId: "item-1",
      type: "CLICK",
    });
    expect((await s.t.client.getUserState("late")).interactionCount).toBe("1");
    await s.postgresProxy.blackhole();
    try {
      const refused = await timed(() =>
        s.t.client.feedback({
          eventId: "late-1",
          userId: "late",
          sessionId: "late-s",
          itemId: "item-2",
          type: "CLICK",
        }),
      );
      expect(refused.error).toMatchObject({ code: status.UNAVAILABLE });
      // A read while Postgres hangs: refused in bounded time (its query stays queued behind the proxy).
      const read = await timed(() => s.t.client.getUserState("late"));
      expect(read.ms).toBeLessThan(2_000 + SLACK_MS);
    } finally {
      await s.postgresProxy.pass();
    }
    // The held write lands now, and the client never retried: the log holds two events for the user.
    await eventually(async () => {
      const { rows } = await s.db.query("SELECT interaction_count::int AS n FROM users WHERE user_id = 'late'");
      expect(rows[0]?.n).toBe(2);
    }, 10_000);
    // Whatever the replica read or cached meanwhile, it answers what the log holds.
    await eventually(async () => expect((await s.t.client.getUserState("late")).interactionCount).toBe("2"), 3_000);
    // And the retry the client was told to send is a duplicate that changes nothing.
    expect(
      (
        await s.t.client.feedback({
          eventId: "late-1",
          userId: "late",
          sessionId: "late-s",
          itemId: "item-2",
          type: "CLICK",
        })
      ).duplicate,
    ).toBe(true);
    expect((await s.t.client.getUserState("late")).interactionCount).toBe("2");
  }, 30_000);
});
