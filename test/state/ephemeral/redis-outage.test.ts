import { setTimeout as sleep } from "node:timers/promises";
import { eventually } from "../../helpers/eventually";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ModelUpdate } from "../../../src/state/ports";
import { openRedisStores } from "../../../src/state/redis/open-redis-stores";
import { redisAvailable, TEST_REDIS_URL } from "../../helpers/servers";
import { redisAdapter } from "./harness";
import { FaultProxy } from "../../helpers/fault-proxy";

const redisUp = await redisAvailable();

async function rejectsWithin(ms: number, call: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  await expect(call()).rejects.toThrow();
  const took = Date.now() - started;
  expect(took).toBeLessThan(ms);
  return took;
}

describe("openRedisStores when Redis is unreachable", () => {
  it("fails fast with a message that says how to fix it, without leaking the password", async () => {
    const started = Date.now();
    const opening = openRedisStores({
      url: "redis://:hunter2@127.0.0.1:1",
      prefix: "recs:",
      sessionWindow: 50,
      sessionTtlS: 60,
      rewardWaitMs: 1000,
    });
    await expect(opening).rejects.toThrow(
      new RegExp(
        String.raw`^REDIS_URL redis:\/\/:\*\*\*@127\.0\.0\.1:1\/? is unreachable \(ECONNREFUSED 127\.0\.0\.1:1\): ` +
          "start Redis or unset REDIS_URL to use in-memory session state$",
      ),
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe.runIf(redisUp)("Redis-side stores through an outage", () => {
  const target = new URL(TEST_REDIS_URL);
  const proxy = new FaultProxy(target.hostname, Number(target.port || 6379));
  let proxiedUrl = "";

  beforeAll(async () => {
    const port = await proxy.start();
    proxiedUrl = `redis://127.0.0.1:${port}`;
  });
  afterAll(() => proxy.stop());

  it("fails commands at once while Redis is away and works again once it is back", async () => {
    await redisAdapter.withStores({ url: proxiedUrl }, async ({ stores, now }) => {
      await stores.sessions.append("s", { itemId: "before", type: "click", atMs: now() });
      await proxy.cut();
      const tookAppend = await rejectsWithin(1000, () =>
        stores.sessions.append("s", { itemId: "during", type: "click", atMs: now() }),
      );
      const tookRead = await rejectsWithin(1000, () => stores.sessions.window("s"));
      await rejectsWithin(1000, () => stores.ping());
      await sleep(300); // several reconnect attempts fail meanwhile
      await rejectsWithin(1000, () => stores.servingContexts.claimDue(now(), 10));
      await proxy.pass();
      const recovery = await eventually(
        () => stores.sessions.append("s", { itemId: "after", type: "click", atMs: now() }),
        10_000,
      );
      console.info(
        `outage: append failed in ${tookAppend} ms, read in ${tookRead} ms; ` +
          `recovered ${recovery} ms after Redis came back`,
      );
      expect((await stores.sessions.window("s")).map((e) => e.itemId)).toEqual(["after", "before"]);
    });
  });

  it("fails a command on a hung server after the command timeout instead of waiting forever", async () => {
    await redisAdapter.withStores({ url: proxiedUrl, commandTimeoutMs: 300 }, async ({ stores, now }) => {
      await stores.sessions.append("s", { itemId: "before", type: "click", atMs: now() });
      await proxy.blackhole();
      try {
        const took = await rejectsWithin(1500, () => stores.sessions.window("s"));
        expect(took).toBeGreaterThanOrEqual(250);
      } finally {
        await proxy.pass();
      }
      await eventually(async () => {
        expect((await stores.sessions.window("s")).map((e) => e.itemId)).toEqual(["before"]);
      }, 5000);
    });
  });

  it("keeps delivering model updates to a subscriber after its connection is cut and restored", async () => {
    await redisAdapter.withStores({}, async ({ stores: publisher, redis }) => {
      // The subscriber shares the publisher's keys but reaches Redis through the proxy.
      const subscriber = await openRedisStores({
        url: proxiedUrl,
        prefix: redis!.prefix,
        sessionWindow: 50,
        sessionTtlS: 60,
        rewardWaitMs: 1000,
      });
      try {
        const received: ModelUpdate[][] = [];
        subscriber.modelBus.subscribe((updates) => received.push(updates));
        const update = (marker: number): ModelUpdate[] => [
          { itemId: `sku-${marker}`, reward: marker, shared: Float32Array.from([marker]), arm: new Float32Array(0) },
        ];
        let marker = 0;
        await eventually(async () => {
          await publisher.modelBus.publish(update(++marker));
          await sleep(50);
          if (received.length === 0) throw new Error("nothing delivered yet");
        }, 5000);
        await proxy.cut();
        const duringOutage = ++marker;
        await publisher.modelBus.publish(update(duringOutage));
        await sleep(500);
        await proxy.pass();
        // The batch published while the subscriber was cut off arrives too: the read resumes where it stopped.
        await eventually(async () => {
          if (!received.some((batch) => batch[0]!.itemId === `sku-${duringOutage}`))
            throw new Error("outage batch not delivered yet");
        }, 10_000);
      } finally {
        await subscriber.close();
      }
    });
  });
});
