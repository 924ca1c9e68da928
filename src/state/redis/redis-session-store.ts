import type { Logger } from "../../log";
import type { SessionAppend, SessionEvent, SessionStore } from "../ports";
import { luaScript, runScriptBatched, type RedisClient } from "./redis-client";
import type { RedisKeys } from "./redis-keys";
import { addToIndexes, deleteObjects, takeIndex, type IndexEntry } from "./redis-user-index";
import { decodeSessionEvent, encodeSessionEvent } from "./session-event-codec";

/**
 * For each session key in order, with its event (ARGV[2 + i]): push, trim to the window (ARGV[1]) and
 * refresh the TTL (ARGV[2]), each step atomic, so no appender can lose another's event. One call
 * carries many appends: per-command overhead, not Redis's work, dominated one call per event.
 */
const APPEND_ALL = luaScript(`
local last = tonumber(ARGV[1]) - 1
for i, key in ipairs(KEYS) do
  redis.call('LPUSH', key, ARGV[i + 2])
  redis.call('LTRIM', key, 0, last)
  redis.call('PEXPIRE', key, ARGV[2])
end
return #KEYS
`);

export interface RedisSessionStoreOptions {
  /** Events kept per session (RECS_SESSION_WINDOW). */
  sessionWindow: number;
  /** Idle seconds before a window expires (RECS_SESSION_TTL_S). */
  sessionTtlS: number;
  logger: Logger;
  onCorrupt: (what: string) => void;
}

/**
 * Session windows as Redis lists, newest event at the head. The connection belongs to whoever built the
 * store (`openRedisStores`); `close` releases nothing of its own.
 */
export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly options: RedisSessionStoreOptions,
  ) {}

  async append(sessionId: string, event: SessionEvent): Promise<void> {
    await this.appendAll([{ sessionId, event }]);
  }

  /**
   * One script call per MAX_SCRIPT_BATCH appends, sent together (one round trip). On a standalone Redis
   * a call's keys span hash slots; on a cluster the appends are grouped by slot first (`runScriptBatched`).
   */
  async appendAll(appends: readonly SessionAppend[]): Promise<void> {
    const { sessionWindow, sessionTtlS } = this.options;
    // The users' session indexes go in the same round trip (their own slots: a command of their own).
    await Promise.all([
      runScriptBatched(
        this.redis,
        APPEND_ALL,
        appends,
        (a) => this.keys.session(a.sessionId),
        (chunk) => chunk.map((a) => this.keys.session(a.sessionId)),
        (chunk) => [sessionWindow, sessionTtlS * 1000, ...chunk.map((a) => encodeSessionEvent(a.event))],
      ),
      addToIndexes(this.redis, this.indexEntries(appends), sessionTtlS * 1000),
    ]);
  }

  /** One entry per (user, session) of the batch, scored by its latest event. */
  private indexEntries(appends: readonly SessionAppend[]): IndexEntry[] {
    const latest = new Map<string, IndexEntry>();
    for (const { userId, sessionId, event } of appends) {
      if (userId === undefined) continue;
      const key = this.keys.userSessions(userId);
      const id = `${key}\u0000${sessionId}`;
      const known = latest.get(id);
      if (!known || known.score < event.atMs) latest.set(id, { key, score: event.atMs, member: sessionId });
    }
    return [...latest.values()];
  }

  async forgetUser(userId: string): Promise<number> {
    const sessionIds = await takeIndex(this.redis, this.keys.userSessions(userId));
    return deleteObjects(
      this.redis,
      sessionIds.map((id) => [this.keys.session(id)]),
      1,
    );
  }

  async window(sessionId: string): Promise<SessionEvent[]> {
    const entries = await this.redis.lrange(this.keys.session(sessionId), 0, this.options.sessionWindow - 1);
    const events: SessionEvent[] = [];
    let corrupt = 0;
    for (const entry of entries) {
      const event = decodeSessionEvent(entry);
      if (event) events.push(event);
      else corrupt++;
    }
    if (corrupt > 0) {
      for (let i = 0; i < corrupt; i++) this.options.onCorrupt("session_event");
      this.options.logger.warn({ sessionId, corrupt }, "skipped undecodable session window entries");
    }
    return events;
  }

  async close(): Promise<void> {}
}
