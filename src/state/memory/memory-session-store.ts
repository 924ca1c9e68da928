import type { SessionAppend, SessionEvent, SessionStore } from "../ports";

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
}

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
    for (const { sessionId, event } of appends) this.appendNow(sessionId, event);
  }

  private appendNow(sessionId: string, event: SessionEvent): void {
    const now = this.options.now();
    const previous = this.live(sessionId, now);
    const events = [{ ...event }, ...(previous?.events ?? [])].slice(0, this.options.sessionWindow);
    this.sessions.delete(sessionId);
    this.sessions.set(sessionId, { events, expiresAtMs: now + this.options.sessionTtlS * 1000 });
    for (const oldest of this.sessions.keys()) {
      if (this.sessions.size <= this.options.maxSessions) break;
      this.sessions.delete(oldest);
    }
  }

  async window(sessionId: string): Promise<SessionEvent[]> {
    return (this.live(sessionId, this.options.now())?.events ?? []).map((event) => ({ ...event }));
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
  exportWindows(): Array<{ sessionId: string; events: SessionEvent[]; expiresAtMs: number }> {
    this.sweep();
    return Array.from(this.sessions, ([sessionId, entry]) => ({
      sessionId,
      events: entry.events,
      expiresAtMs: entry.expiresAtMs,
    }));
  }

  /** Restores windows saved by `exportWindows`; expired ones and excess entries are dropped. */
  importWindows(windows: Array<{ sessionId: string; events: SessionEvent[]; expiresAtMs: number }>): void {
    const now = this.options.now();
    for (const { sessionId, events, expiresAtMs } of windows) {
      if (expiresAtMs <= now) continue;
      this.sessions.delete(sessionId);
      this.sessions.set(sessionId, { events: events.slice(0, this.options.sessionWindow), expiresAtMs });
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
