import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { silentLogger, type Logger } from "../../log";
import type { EphemeralStores } from "../ports";
import { servingContextTtlMs } from "../serving-context-retention";
import { MemoryModelBus } from "./memory-model-bus";
import { MemoryServingContextStore } from "./memory-serving-context-store";
import { MemorySessionStore } from "./memory-session-store";

export interface MemoryStoresOptions {
  sessionWindow: number;
  sessionTtlS: number;
  rewardWaitMs: number;
  /** How long a context is kept after it is due; default 10% of `rewardWaitMs` + 60 s (as in Redis). */
  contextGraceMs?: number;
  /** Sessions held at most (default 100,000); the least recently appended is evicted first. */
  maxSessions?: number;
  /** Serving contexts held at most (default 100,000); the oldest is dropped first. */
  maxContexts?: number;
  /** How often expired entries are swept out (default 30 s); reads also check expiry themselves. */
  sweepIntervalMs?: number;
  logger?: Logger;
  /** Kept for symmetry with Redis: nothing held in memory is encoded, so nothing can be corrupt. */
  onCorrupt?: (what: string) => void;
  /** The clock of TTLs; tests inject one. */
  now?: () => number;
  /**
   * A file the session windows are saved to on close and restored from on open, so the embedded
   * default keeps them across a graceful restart (a crash loses them, as it would lose unsaved RAM).
   */
  persistPath?: string;
}

/**
 * The Redis-side stores in this process's memory, for a single replica without Redis. Same semantics as
 * `openRedisStores`, bounded in size, and the model bus delivers nothing (there is no other replica).
 */
export function openMemoryStores(options: MemoryStoresOptions): EphemeralStores {
  const now = options.now ?? Date.now;
  const sessions = new MemorySessionStore({
    sessionWindow: options.sessionWindow,
    sessionTtlS: options.sessionTtlS,
    maxSessions: options.maxSessions ?? 100_000,
    now,
  });
  const servingContexts = new MemoryServingContextStore({
    rewardWaitMs: options.rewardWaitMs,
    contextTtlMs: servingContextTtlMs(options.rewardWaitMs, options.contextGraceMs),
    maxContexts: options.maxContexts ?? 100_000,
    now,
    logger: options.logger ?? silentLogger,
  });
  if (options.persistPath) restoreWindows(sessions, options.persistPath, options.logger ?? silentLogger);
  const modelBus = new MemoryModelBus();
  const sweeper = setInterval(() => {
    sessions.sweep();
    servingContexts.sweep();
  }, options.sweepIntervalMs ?? 30_000);
  sweeper.unref();
  return {
    sessions,
    servingContexts,
    modelBus,
    ping: async () => undefined,
    close: async () => {
      clearInterval(sweeper);
      if (options.persistPath) saveWindows(sessions, options.persistPath);
      await Promise.all([sessions.close(), servingContexts.close(), modelBus.close()]);
    },
  };
}

function saveWindows(sessions: MemorySessionStore, path: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify({ version: 1, windows: sessions.exportWindows() }));
  renameSync(tmp, path);
}

function restoreWindows(sessions: MemorySessionStore, path: string, logger: Logger): void {
  if (!existsSync(path)) return;
  try {
    const saved = JSON.parse(readFileSync(path, "utf8")) as { version?: number; windows?: unknown };
    if (saved.version !== 1 || !Array.isArray(saved.windows)) throw new Error("unknown format");
    sessions.importWindows(saved.windows as Parameters<MemorySessionStore["importWindows"]>[0]);
  } catch (err) {
    logger.warn({ err, path }, "saved session windows are unreadable; starting with none");
  }
}
