import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ForgetUserFlow } from "../../src/engine/forget-user";
import { LogFollower } from "../../src/engine/log-follower";
import { EngineMetrics } from "../../src/engine/metrics";
import { OnlineModel } from "../../src/engine/model";
import type { DefaultRewardSweeper } from "../../src/engine/default-rewards";
import { StoreGuard } from "../../src/engine/store-guard";
import { UserCache } from "../../src/engine/user-cache";
import { silentLogger } from "../../src/log";
import type { EventLog, ModelUpdate, RemovedUpdate } from "../../src/state/ports";

const options = { dim: 4, alpha: 0.25 };
const spec = OnlineModel.create(options).spec;

function update(seed: number): ModelUpdate {
  return {
    itemId: `item-${seed % 2}`,
    shared: Float32Array.from({ length: spec.sharedDim }, (_, i) => Math.sin(seed * 5 + i) / 2),
    arm: Float32Array.from({ length: spec.armDim }, (_, i) => Math.cos(seed + i) / 3),
    reward: seed % 3,
  };
}

describe("ForgetUserFlow", () => {
  it("takes back the user's updates this model holds: its own, and others' up to the followed position", async () => {
    const model = OnlineModel.create(options);
    const [own, followed, notYet, kept] = [update(1), update(2), update(3), update(4)];
    // Held: its own update (logged after the position) and another writer's at or before it.
    for (const held of [own, followed, kept]) model.apply(held);
    const removed: RemovedUpdate[] = [
      { update: followed, seq: "4", writer: "other" },
      { update: own, seq: "7", writer: "me" },
      // Logged elsewhere after the position: never applied here, and now a tombstone nobody applies.
      { update: notYet, seq: "6", writer: "other" },
    ];
    const events = {
      writerId: "me",
      forgetUser: async () => ({ eventsDeleted: 5, profileDeleted: true, removed, positiveItemIds: ["item-0"] }),
    } as unknown as EventLog;
    const follower = new LogFollower(model, events, "5");
    const sweeper = { hold: <T>(fn: () => Promise<T>) => fn(), forgetUser: () => 0 } as unknown as DefaultRewardSweeper;
    const recounted: string[][] = [];
    const flow = new ForgetUserFlow({
      events,
      sessions: { forgetUser: async () => 2 } as never,
      servingContexts: { forgetUser: async () => 1 } as never,
      model,
      follower,
      sweeper,
      feedbackWrites: { hold: (fn) => fn() },
      users: new UserCache({ get: async () => null }, 10),
      guard: new StoreGuard({ timeoutMs: 1_000 }),
      metrics: new EngineMetrics(new Registry()),
      log: silentLogger,
      storeTimeoutMs: 1_000,
      onForgotten: async (items) => void recounted.push(items),
    });
    expect(await flow.forget("gone")).toEqual({ eventsDeleted: 5, sessionsDeleted: 2, modelUpdated: true });
    const expected = OnlineModel.create(options);
    expected.apply(kept);
    expect(model.updateCount).toBe(1);
    const [x, y] = [model.bandit.beta(), expected.bandit.beta()];
    for (let i = 0; i < x.length; i++) expect(x[i]).toBeCloseTo(y[i]!, 12);
    expect(recounted).toEqual([["item-0"]]);
  });
});
