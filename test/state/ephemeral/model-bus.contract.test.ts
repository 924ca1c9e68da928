import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { ModelUpdate } from "../../../src/state/ports";
import { adaptersUnderTest, expectEveryKeyToExpire } from "./harness";

const adapters = await adaptersUnderTest();

function batch(marker: number): ModelUpdate[] {
  return [
    {
      itemId: `sku-${marker}`,
      reward: marker + 0.5,
      shared: Float32Array.from([marker, -0, 1e-45, Math.PI]),
      arm: Float32Array.from([1 / 3]),
    },
    { itemId: "sku-ü", reward: -1, shared: new Float32Array(0), arm: Float32Array.from([3.4028235e38]) },
  ];
}

/** Publishes fresh batches until `received` holds one: a subscription starts asynchronously. */
async function publishUntilReceived(
  publish: (marker: number) => Promise<void>,
  received: ModelUpdate[][],
  firstMarker: number,
): Promise<number> {
  for (let marker = firstMarker; marker < firstMarker + 100; marker++) {
    await publish(marker);
    await sleep(50);
    if (received.length > 0) return marker;
  }
  throw new Error("no batch arrived within 5 s");
}

function plain(updates: ModelUpdate[]) {
  const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex");
  return updates.map((u) => ({ ...u, shared: bytes(u.shared), arm: bytes(u.arm) }));
}

describe.each(adapters)("ModelUpdateBus contract ($name)", (adapter) => {
  if (adapter.name === "memory")
    it("publishes without error and delivers nothing (one replica)", async () => {
      await adapter.withStores({}, async ({ stores }) => {
        const received: ModelUpdate[][] = [];
        stores.modelBus.subscribe((updates) => received.push(updates));
        await stores.modelBus.publish(batch(1));
        await sleep(50);
        expect(received).toEqual([]);
      });
    });

  if (adapter.name !== "memory")
    it("delivers a batch to the other replica, exactly, and never back to its publisher", async () => {
      await adapter.withStores({}, async (opened) => {
        const replicaA = opened.stores;
        const replicaB = await opened.openPeer();
        const atA: ModelUpdate[][] = [];
        const atB: ModelUpdate[][] = [];
        replicaA.modelBus.subscribe((updates) => atA.push(updates));
        replicaB.modelBus.subscribe((updates) => atB.push(updates));

        const marker = await publishUntilReceived((m) => replicaA.modelBus.publish(batch(m)), atB, 1);
        expect(plain(atB.at(-1)!)).toEqual(plain(batch(marker)));
        expect(atA).toEqual([]);

        atB.length = 0;
        const back = await publishUntilReceived((m) => replicaB.modelBus.publish(batch(m)), atA, 1000);
        expect(plain(atA.at(-1)!)).toEqual(plain(batch(back)));
        await sleep(100);
        expect(atB).toEqual([]);
        expect(await expectEveryKeyToExpire(opened, 24 * 3600_000)).toBe(1);
      });
    });

  if (adapter.name !== "memory")
    it("skips an undecodable batch, reports it, and keeps delivering", async () => {
      await adapter.withStores({}, async ({ stores, openPeer, corrupt, redis }) => {
        const replicaB = await openPeer();
        const atB: ModelUpdate[][] = [];
        replicaB.modelBus.subscribe((updates) => atB.push(updates));
        await publishUntilReceived((m) => stores.modelBus.publish(batch(m)), atB, 1);
        await redis!.raw.xadd(redis!.keys.modelUpdates, "*", "r", "some-other-replica", "u", "garbage");
        atB.length = 0;
        await publishUntilReceived((m) => stores.modelBus.publish(batch(m)), atB, 500);
        expect(plain(atB[0]!)).toEqual(plain(batch(500)));
        expect(corrupt).toEqual(["model_update_batch"]);
      });
    });

  if (adapter.name !== "memory")
    it("stops delivering once closed", async () => {
      await adapter.withStores({}, async ({ stores, openPeer }) => {
        const replicaB = await openPeer();
        const atB: ModelUpdate[][] = [];
        replicaB.modelBus.subscribe((updates) => atB.push(updates));
        await publishUntilReceived((m) => stores.modelBus.publish(batch(m)), atB, 1);
        const started = Date.now();
        await replicaB.modelBus.close();
        expect(Date.now() - started).toBeLessThan(1000);
        const before = atB.length;
        await stores.modelBus.publish(batch(9));
        await sleep(200);
        expect(atB.length).toBe(before);
      });
    });
});
