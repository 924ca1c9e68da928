import type { CatalogMirror } from "../engine/catalog-mirror";
import { moveLongTerm } from "../engine/session-vector";
import type { SessionEvent } from "../state/ports";
import type { LoggedDecision } from "./log-format";

/**
 * How the service's state is rebuilt from a log; defaults are the service's (RECS_SESSION_WINDOW, RECS_SESSION_TTL_S,
 * RECS_LEARNING_RATE).
 */
export interface LoggedStateOptions {
  /** Events kept per session window; default 50. */
  sessionWindow?: number;
  /** A window idle this long is gone (the Redis TTL); default 30 minutes. */
  sessionTtlMs?: number;
  /** How far one reward moves the long-term embedding; default 0.1. */
  learningRate?: number;
}

interface Window {
  events: SessionEvent[];
  lastAppendMs: number;
}

/** Expired windows are dropped every this many observed rows (the log is in time order). */
const PRUNE_EVERY = 8192;

/**
 * The session windows and long-term embeddings the service would hold at each row of a log, rebuilt
 * as the log replays. The log holds decisions and their rewards, not every feedback event, so a row
 * stands for the feedback its reward implies:
 * - reward > 0: a feedback event on the shown item: appended to the session window (newest first,
 *   bounded, TTL refreshed) and moving the user's long-term embedding toward the item (moveLongTerm).
 * - reward < 0: a dismissal: appended as "dismiss" (which the session vector leaves out, but which
 *   takes a slot in the bounded window) and moving the long-term embedding away, as the service does.
 * - reward = 0: no feedback (the default reward): nothing changes.
 * State depends only on the log, never on a target policy, so every policy sees the same state.
 */
export class LoggedState {
  private readonly sessionWindow: number;
  private readonly sessionTtlMs: number;
  private readonly learningRate: number;
  private readonly windows = new Map<string, Window>();
  private readonly longTerms = new Map<string, Float32Array>();
  private observed = 0;

  constructor(
    private readonly catalog: CatalogMirror,
    options: LoggedStateOptions = {},
  ) {
    this.sessionWindow = options.sessionWindow ?? 50;
    this.sessionTtlMs = options.sessionTtlMs ?? 1_800_000;
    this.learningRate = options.learningRate ?? 0.1;
  }

  /** The session's window at `atMs`, newest first (empty when unknown or expired). Do not modify. */
  window(sessionId: string, atMs: number): SessionEvent[] {
    const window = this.windows.get(sessionId);
    if (window === undefined || atMs - window.lastAppendMs > this.sessionTtlMs) return [];
    return window.events;
  }

  /** The user's long-term embedding, or null before any reward moved it. */
  longTerm(userId: string): Float32Array | null {
    return this.longTerms.get(userId) ?? null;
  }

  /** Applies the feedback a row implies; call after every policy has seen the row. */
  observe(row: LoggedDecision): void {
    if (++this.observed % PRUNE_EVERY === 0) this.prune(row.tsMs);
    if (row.reward === 0) return;
    const index = this.catalog.indexOf(row.itemId);
    if (index === undefined) return;
    let window = this.windows.get(row.sessionId);
    if (window === undefined || row.tsMs - window.lastAppendMs > this.sessionTtlMs) {
      window = { events: [], lastAppendMs: row.tsMs };
      this.windows.set(row.sessionId, window);
    }
    // A fresh array per append: a window handed out earlier stays as it was.
    window.events = [
      { itemId: row.itemId, type: row.reward > 0 ? "unspecified" : "dismiss", atMs: row.tsMs },
      ...window.events.slice(0, this.sessionWindow - 1),
    ];
    window.lastAppendMs = row.tsMs;
    const moved = moveLongTerm(
      this.longTerm(row.userId),
      this.catalog.embeddingAt(index),
      row.reward,
      this.learningRate,
    );
    if (moved === null) this.longTerms.delete(row.userId);
    else this.longTerms.set(row.userId, moved);
  }

  /** Sessions whose window is held (for tests and memory checks). */
  get sessionCount(): number {
    return this.windows.size;
  }

  private prune(nowMs: number): void {
    for (const [sessionId, window] of this.windows)
      if (nowMs - window.lastAppendMs > this.sessionTtlMs) this.windows.delete(sessionId);
  }
}
