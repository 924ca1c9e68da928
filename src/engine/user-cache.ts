import type { UserProfile, UserRepository } from "../state/ports";

/**
 * Long-term profiles read through a bounded in-process LRU in front of the durable repository.
 * Accepted feedback writes its new profile here at once, so a client reading its own writes through
 * the same replica sees them before any other replica does.
 */
export class UserCache {
  private readonly entries = new Map<string, UserProfile>();
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
    const profile = await this.repository.get(userId);
    // A write that landed while the read was in flight is newer than what the read returned.
    const raced = this.entries.get(userId);
    if (raced) return raced;
    if (profile) this.remember(profile);
    return profile;
  }

  /** Drops a cached profile, so the next read goes to the store. */
  forget(userId: string): void {
    this.entries.delete(userId);
  }

  remember(profile: UserProfile): void {
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
