import { describe, expect, it } from "vitest";
import { UserCache } from "../../src/engine/user-cache";
import type { UserProfile, UserRepository } from "../../src/state/ports";

const profile = (userId: string, interactionCount: number): UserProfile => ({
  userId,
  embedding: null,
  interactionCount,
  updatedAtMs: interactionCount,
});

/** A repository whose reads answer only when the test says, with what the "store" holds at that moment. */
class HeldRepository implements UserRepository {
  rows = new Map<string, UserProfile>();
  reads = 0;
  private held: Array<() => void> = [];
  hold = false;

  async get(userId: string): Promise<UserProfile | null> {
    this.reads++;
    const snapshot = this.rows.get(userId) ?? null;
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    return snapshot;
  }

  release(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }
}

describe("UserCache: entries are committed profiles, never older than an acknowledged write", () => {
  it("reads through once, then serves from memory", async () => {
    const repo = new HeldRepository();
    repo.rows.set("u", profile("u", 3));
    const cache = new UserCache(repo, 10);
    expect(await cache.get("u")).toEqual(profile("u", 3));
    expect(await cache.get("u")).toEqual(profile("u", 3));
    expect(repo.reads).toBe(1);
    expect(await cache.get("nobody")).toBeNull();
  });

  it("a write's committed row replaces the entry, and a read that started before it is not cached", async () => {
    const repo = new HeldRepository();
    repo.rows.set("u", profile("u", 1));
    const cache = new UserCache(repo, 10);
    repo.hold = true;
    const early = cache.get("u"); // reads the row before the write
    repo.rows.set("u", profile("u", 2));
    cache.stored(profile("u", 2));
    repo.release();
    // The early reader gets the newer entry; the cache keeps the written row.
    expect(await early).toEqual(profile("u", 2));
    expect(cache.peek("u")).toEqual(profile("u", 2));
  });

  it("a read in flight when the entry is invalidated answers its caller but is not cached", async () => {
    const repo = new HeldRepository();
    repo.rows.set("u", profile("u", 1));
    const cache = new UserCache(repo, 10);
    repo.hold = true;
    const early = cache.get("u");
    // A write whose outcome is unknown (it may land late) or a duplicate: the entry cannot be vouched for.
    cache.invalidate("u");
    repo.release();
    expect(await early).toEqual(profile("u", 1));
    expect(cache.peek("u")).toBeUndefined();
    // The next read goes to the store and sees what landed meanwhile.
    repo.hold = false;
    repo.rows.set("u", profile("u", 2));
    expect(await cache.get("u")).toEqual(profile("u", 2));
    expect(cache.peek("u")).toEqual(profile("u", 2));
  });

  it("keeps at most its capacity, dropping the least recently used", async () => {
    const repo = new HeldRepository();
    const cache = new UserCache(repo, 2);
    cache.stored(profile("a", 1));
    cache.stored(profile("b", 1));
    cache.peek("a");
    cache.stored(profile("c", 1));
    expect([cache.peek("a"), cache.peek("b"), cache.peek("c")].map((p) => p?.userId)).toEqual(["a", undefined, "c"]);
    expect(new UserCache(repo, 0).peek("a")).toBeUndefined();
  });
});
