import type { Logger } from "../../log";
import type { SessionEvent, SessionStore } from "../ports";
import { luaScript, type RedisClient } from "./redis-client";
import type { RedisKeys } from "./redis-keys";
import { decodeSessionEvent, encodeSessionEvent } from "./session-event-codec";

/** Push, trim and refresh the TTL in one atomic step: no appender can lose another's event. */
const APPEND = luaScript(`
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
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
    await this.redis.runScript(
      APPEND,
      [this.keys.session(sessionId)],
      [encodeSessionEvent(event), this.options.sessionWindow, this.options.sessionTtlS * 1000],
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
