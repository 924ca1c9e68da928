import type { UserProfile, UserRepository } from "../state/ports";

/** A store read in flight; marked stale when the user's entry changes before it returns. */
interface PendingRead {
  stale: boolean;
}

/**
 * Long-term profiles read through a bounded in-process LRU in front of the durable repository, so a
 * client reading its own writes through the same replica sees them before any other replica does.
 *
 * The one rule that keeps it coherent with the event log: **an entry is always a profile as the store
 * committed it, never older than the newest event this replica acknowledged for that user.** Hence:
 * - a feedback write that commits replaces the entry with the user's row as that write returned it
 *   (`stored`), before any of its events is acknowledged;
 * - a write this replica cannot vouch for drops the entry (`invalidate`), so the next read goes to the
 *   store: one that failed or was not confirmed in time (it may still land; when it does, `stored`
 *   applies), and a duplicate (logged before, perhaps by another replica or process);
 * - a store read that was in flight when the entry was replaced or dropped is not cached: it may have
 *   read the row before that write.
 * Nothing speculative is cached: the feedback path chains the profiles of its not-yet-committed events
 * itself, and they are never what a reader sees.
 */
export class UserCache {
  private readonly entries = new Map<string, UserProfile>();
  /** Store reads in flight, per user (bounded by the reads in flight, not by the users ever seen). */
  private readonly reads = new Map<string, Set<PendingRead>>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly repository: UserRepository,
    private readonly capacity: number,
  ) {}

  /** The cached profile without touching the store (undefined when not cached). */
  peek(userId: string): UserProfile | undefined {
    const profile = this.entries.get(userId);
    if (profile) this.touch(userId, profile);
    return profile;
  }

  /** The profile (null for an unknown user), from the cache or else the repository. */
  async get(userId: string): Promise<UserProfile | null> {
    const cached = this.peek(userId);
    if (cached) {
      this.hits++;
      return cached;
    }
    this.misses++;
    const read: PendingRead = { stale: false };
    let reads = this.reads.get(userId);
    if (!reads) this.reads.set(userId, (reads = new Set()));
    reads.add(read);
    let profile: UserProfile | null;
    try {
      profile = await this.repository.get(userId);
    } finally {
      reads.delete(read);
      if (reads.size === 0) this.reads.delete(userId);
    }
    // A write that committed while the read was in flight is at least as new as what the read returned.
    const raced = this.entries.get(userId);
    if (raced) return raced;
    if (profile && !read.stale) this.remember(profile);
    return profile;
  }

  /** The user's profile as a feedback write just committed it: the newest this replica knows of. */
  stored(profile: UserProfile): void {
    this.staleReads(profile.userId);
    this.remember(profile);
  }

  /** Drops a cached profile whose store row may have changed unseen, so the next read goes to the store. */
  invalidate(userId: string): void {
    this.staleReads(userId);
    this.entries.delete(userId);
  }

  private staleReads(userId: string): void {
    for (const read of this.reads.get(userId) ?? []) read.stale = true;
  }

  private remember(profile: UserProfile): void {
    this.touch(profile.userId, profile);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  private touch(userId: string, profile: UserProfile): void {
    this.entries.delete(userId);
    if (this.capacity > 0) this.entries.set(userId, profile);
  }
}
