import type { SessionAppend, SessionEvent, SessionStore } from "../ports";

/** A window as saved across a restart; `userIds` absent in files saved before DeleteUser. */
export interface SavedWindow {
  sessionId: string;
  events: SessionEvent[];
  expiresAtMs: number;
  userIds?: string[];
}

export interface MemorySessionStoreOptions {
  sessionWindow: number;
  sessionTtlS: number;
  /** Sessions held at most; the one appended to least recently is evicted first. */
  maxSessions: number;
  now: () => number;
}

interface SessionEntry {
  /** Newest first, at most `sessionWindow` long. */
  events: SessionEvent[];
  expiresAtMs: number;
  /** The users whose appends named them (`forgetUser`): one as a rule, at most MAX_USERS_PER_SESSION. */
  userIds?: string[];
}

/** Users remembered per session: a session is one shopper's; more would be a client's bug. */
const MAX_USERS_PER_SESSION = 8;

/**
 * Session windows in one process's memory, with the Redis adapter's semantics: bounded window, idle TTL
 * refreshed by appends (not reads), and a bounded number of sessions. A Map keeps insertion order, and an
 * append re-inserts its session, so the first entry is always the least recently appended (and, with one
 * TTL for all, the first to expire).
 */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, SessionEntry>();

  constructor(private readonly options: MemorySessionStoreOptions) {}

  async append(sessionId: string, event: SessionEvent): Promise<void> {
    this.appendNow(sessionId, event);
  }

  async appendAll(appends: readonly SessionAppend[]): Promise<void> {
    for (const { sessionId, event, userId } of appends) this.appendNow(sessionId, event, userId);
  }

  private appendNow(sessionId: string, event: SessionEvent, userId?: string): void {
    const now = this.options.now();
    const previous = this.live(sessionId, now);
    const events = [{ ...event }, ...(previous?.events ?? [])].slice(0, this.options.sessionWindow);
    let userIds = previous?.userIds;
    if (userId !== undefined && !userIds?.includes(userId))
      userIds = [userId, ...(userIds ?? [])].slice(0, MAX_USERS_PER_SESSION);
    this.sessions.delete(sessionId);
    this.sessions.set(sessionId, { events, expiresAtMs: now + this.options.sessionTtlS * 1000, userIds });
    for (const oldest of this.sessions.keys()) {
      if (this.sessions.size <= this.options.maxSessions) break;
      this.sessions.delete(oldest);
    }
  }

  async window(sessionId: string): Promise<SessionEvent[]> {
    return (this.live(sessionId, this.options.now())?.events ?? []).map((event) => ({ ...event }));
  }

  /** A scan of every held session (at most `maxSessions`): DeleteUser is rare, and memory needs no index. */
  async forgetUser(userId: string): Promise<number> {
    const now = this.options.now();
    let deleted = 0;
    for (const [sessionId, entry] of this.sessions) {
      if (!entry.userIds?.includes(userId)) continue;
      this.sessions.delete(sessionId);
      if (entry.expiresAtMs > now) deleted++;
    }
    return deleted;
  }

  /** Drops expired sessions; stops at the first live one, since the rest expire later. */
  sweep(): void {
    const now = this.options.now();
    for (const [sessionId, entry] of this.sessions) {
      if (entry.expiresAtMs > now) break;
      this.sessions.delete(sessionId);
    }
  }

  /** The live windows with their expiry, oldest-appended first (to save them across a restart). */
  exportWindows(): SavedWindow[] {
    this.sweep();
    return Array.from(this.sessions, ([sessionId, entry]) => ({
      sessionId,
      events: entry.events,
      expiresAtMs: entry.expiresAtMs,
      ...(entry.userIds ? { userIds: entry.userIds } : {}),
    }));
  }

  /** Restores windows saved by `exportWindows`; expired ones and excess entries are dropped. */
  importWindows(windows: SavedWindow[]): void {
    const now = this.options.now();
    for (const { sessionId, events, expiresAtMs, userIds } of windows) {
      if (expiresAtMs <= now) continue;
      this.sessions.delete(sessionId);
      const users = Array.isArray(userIds) ? userIds.slice(0, MAX_USERS_PER_SESSION).map(String) : undefined;
      this.sessions.set(sessionId, {
        events: events.slice(0, this.options.sessionWindow),
        expiresAtMs,
        ...(users ? { userIds: users } : {}),
      });
    }
    for (const oldest of this.sessions.keys()) {
      if (this.sessions.size <= this.options.maxSessions) break;
      this.sessions.delete(oldest);
    }
  }

  get size(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    this.sessions.clear();
  }

  private live(sessionId: string, now: number): SessionEntry | undefined {
    const entry = this.sessions.get(sessionId);
    if (entry && entry.expiresAtMs <= now) {
      this.sessions.delete(sessionId);
      return undefined;
    }
    return entry;
  }
}
