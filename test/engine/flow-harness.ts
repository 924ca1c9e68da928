/**
 * The engine's request flows over in-process stores, for fast unit tests: the memory adapters for the
 * session and serving-context stores, and an event log and user repository in memory that the test
 * can pause (`hold`) or fail. No Postgres, no Redis, no gRPC.
 */
import { Registry, type Counter } from "prom-client";
import { seededRandom } from "../../src/bandit/rng";
import { loadConfig } from "../../src/config";
import { Batcher } from "../../src/engine/batcher";
import { CatalogMirror } from "../../src/engine/catalog-mirror";
import { FeedbackFlow } from "../../src/engine/feedback";
import { EngineMetrics } from "../../src/engine/metrics";
import { OnlineModel } from "../../src/engine/model";
import { RankBuffers } from "../../src/engine/ranker";
import { recommend, type RecommendDeps } from "../../src/engine/recommend";
import { NO_SLATE_RULES } from "../../src/engine/rules";
import { StoreGuard } from "../../src/engine/store-guard";
import { SurfaceModels } from "../../src/engine/surfaces";
import type { FeedbackInput, RecommendInput } from "../../src/engine/types";
import { UserCache } from "../../src/engine/user-cache";
import { silentLogger } from "../../src/log";
import { MemoryServingContextStore } from "../../src/state/memory/memory-serving-context-store";
import { MemorySessionStore } from "../../src/state/memory/memory-session-store";
import type {
  CatalogItem,
  DefaultRewardRecord,
  EventLog,
  FeedbackAppend,
  FeedbackEntry,
  FeedbackOutcome,
  FeedbackRecord,
  ImpressionRecord,
  ModelUpdatePage,
  UserProfile,
  PositiveFeedback,
  UserForgotten,
  UserRepository,
} from "../../src/state/ports";

export const DIM = 4;

/** `count` unit-vector items over DIM categories. */
export function catalogItems(count: number): CatalogItem[] {
  return Array.from({ length: count }, (_, i) => {
    const embedding = Float32Array.from({ length: DIM }, (_, j) => (j === i % DIM ? 1 : 0) + 0.1 * Math.sin(i + j));
    const norm = Math.hypot(...embedding);
    return {
      itemId: `item-${i}`,
      embedding: embedding.map((v) => v / norm),
      category: `cat-${i % DIM}`,
      attributes: { brand: `b${i % 3}` },
      available: true,
    };
  });
}

/** Calls that wait, while held, until released (in the order they came). */
class Gate {
  private waiting: Array<() => void> = [];
  held = false;

  async pass(): Promise<void> {
    if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    this.held = false;
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  get queued(): number {
    return this.waiting.length;
  }
}

/**
 * The event log's feedback semantics (idempotent by event id, the user row written in the event's
 * transaction) in memory, plus the user repository that reads those rows.
 */
export class MemoryEventLog implements EventLog {
  /** Accepted feedback in log order. */
  readonly feedback: FeedbackRecord[] = [];
  readonly impressions: ImpressionRecord[] = [];
  /** Every appendFeedback call's event ids, as they reached the log. */
  readonly writes: string[][] = [];
  readonly rows = new Map<string, UserProfile>();
  readonly writeGate = new Gate();
  readonly readGate = new Gate();
  /** When set, appendFeedback throws it (after the gate). */
  failure: unknown = null;
  /** When set, user reads throw it. */
  userStoreFailure: unknown = null;
  userReads = 0;
  private readonly byId = new Map<string, FeedbackRecord>();

  readonly users: UserRepository = {
    get: async (userId) => {
      this.userReads++;
      await this.readGate.pass();
      if (this.userStoreFailure) throw this.userStoreFailure;
      return this.rows.get(userId) ?? null;
    },
  };

  async appendFeedback(entries: FeedbackEntry[]): Promise<FeedbackAppend> {
    this.writes.push(entries.map((e) => e.record.eventId));
    await this.writeGate.pass();
    if (this.failure) throw this.failure;
    const outcomes: FeedbackOutcome[] = [];
    const changed = new Map<string, UserProfile>();
    for (const { record, userEmbedding } of entries) {
      const logged = this.byId.get(record.eventId);
      if (logged) {
        outcomes.push(sameEvent(logged, record) ? "duplicate" : "conflict");
        continue;
      }
      this.byId.set(record.eventId, record);
      this.feedback.push(record);
      const before = this.rows.get(record.userId);
      const after: UserProfile = {
        userId: record.userId,
        embedding: userEmbedding ?? before?.embedding ?? null,
        interactionCount: (before?.interactionCount ?? 0) + 1,
        updatedAtMs: record.occurredAtMs,
      };
      this.rows.set(record.userId, after);
      changed.set(record.userId, after);
      outcomes.push("accepted");
    }
    return { outcomes, users: [...changed.values()] };
  }

  async appendImpressions(records: ImpressionRecord[]): Promise<void> {
    this.impressions.push(...records);
  }

  async appendDefaultRewards(records: DefaultRewardRecord[]): Promise<DefaultRewardRecord[]> {
    return records;
  }

  readonly writerId = "flow-harness";

  async modelUpdatesSince(): Promise<never[]> {
    return [];
  }

  /** Nothing to take back: like `modelUpdatesSince`, this log keeps no model-update rows for readers. */
  async rollbackSurface(): Promise<number> {
    return 0;
  }

  async othersModelUpdatesSince(): Promise<ModelUpdatePage> {
    return { updates: [], scanned: 0, lastSeq: null };
  }

  async othersModelUpdateCount(): Promise<number> {
    return 0;
  }

  async latestSeq(): Promise<string> {
    return String(this.feedback.length);
  }

  async forgetUser(userId: string): Promise<UserForgotten> {
    const before = this.feedback.length + this.impressions.length;
    const kept = this.feedback.filter((record) => record.userId !== userId);
    this.feedback.splice(0, this.feedback.length, ...kept);
    const impressions = this.impressions.filter((record) => record.userId !== userId);
    this.impressions.splice(0, this.impressions.length, ...impressions);
    const profileDeleted = this.rows.delete(userId);
    const eventsDeleted = before - this.feedback.length - this.impressions.length;
    return { eventsDeleted, profileDeleted, removed: [], positiveItemIds: [] };
  }

  async ownPositiveFeedback(): Promise<Map<string, PositiveFeedback[]>> {
    return new Map();
  }

  async loggedPositiveFeedback(): Promise<Map<string, PositiveFeedback[]>> {
    return new Map();
  }

  async enforceRetention(): Promise<number> {
    return 0;
  }

  async loggedDecisions(): Promise<never[]> {
    return [];
  }
}

function sameEvent(a: FeedbackRecord, b: FeedbackRecord): boolean {
  return (
    a.userId === b.userId &&
    a.sessionId === b.sessionId &&
    a.itemId === b.itemId &&
    a.type === b.type &&
    a.recommendationId === b.recommendationId &&
    a.reward === b.reward
  );
}

/** `inner` with a switch: while `down`, every method call rejects. */
export function switchable<T extends object>(inner: T): { store: T; down: boolean } {
  const control = { store: inner, down: false };
  control.store = new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) =>
        control.down
          ? Promise.reject(new Error(`${String(property)}: store down`))
          : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
  return control;
}

export interface FlowOptions {
  commitTimeoutMs?: number;
  items?: number;
}

/** A FeedbackFlow and the recommend path wired as Engine.start wires them, over in-process stores. */
export function flowHarness(options: FlowOptions = {}) {
  const config = loadConfig({});
  const catalog = new CatalogMirror(DIM);
  catalog.apply(catalogItems(options.items ?? 12));
  const log = new MemoryEventLog();
  const users = new UserCache(log.users, 100);
  const sessions = switchable(
    new MemorySessionStore({ sessionWindow: 50, sessionTtlS: 1800, maxSessions: 1000, now: Date.now }),
  );
  const servingContexts = switchable(
    new MemoryServingContextStore({
      rewardWaitMs: 60_000,
      contextTtlMs: 120_000,
      maxContexts: 1000,
      now: Date.now,
      logger: silentLogger,
    }),
  );
  const model = OnlineModel.create({ dim: DIM, alpha: config.alpha });
  // The default surface's model is `model`; other surfaces are made like it.
  const surfaces = new SurfaceModels(
    { dim: DIM, alpha: config.alpha },
    { alpha: config.alpha, epsilon: config.epsilon },
    4,
    [model],
  );
  const guard = new StoreGuard({ timeoutMs: 100 });
  const registry = new Registry();
  const metrics = new EngineMetrics(registry);
  const flow = new FeedbackFlow({
    catalog,
    users,
    events: log,
    sessions: sessions.store,
    servingContexts: servingContexts.store,
    model: surfaces,
    guard,
    metrics,
    log: silentLogger,
    rewards: config.rewards,
    learningRate: config.learningRate,
    positionDiscount: config.positionDiscount,
    servingReadTimeoutMs: 500,
    profileReadTimeoutMs: 500,
    commitTimeoutMs: options.commitTimeoutMs ?? 2_000,
  });
  const impressions = new Batcher<ImpressionRecord, void>({
    flush: async (records) => {
      await log.appendImpressions(records);
      return records.map(() => undefined);
    },
    maxBatch: 100,
    maxDelayMs: 0,
    maxQueued: 1_000,
  });
  const recommendDeps: RecommendDeps = {
    catalog,
    users,
    sessions: sessions.store,
    servingContexts: servingContexts.store,
    impressions,
    surfaces,
    guard,
    metrics,
    log: silentLogger,
    rng: seededRandom(7),
    candidates: { retrieve: 50, excludeSessionItems: true },
    servingWriteTimeoutMs: 200,
    rankBuffers: new RankBuffers(model.spec),
  };
  let events = 0;
  return {
    flow,
    log,
    users,
    sessions,
    servingContexts,
    model,
    surfaces,
    metrics,
    recommend: (input: Partial<RecommendInput> = {}) =>
      recommend(recommendDeps, {
        userId: "u",
        sessionId: "s",
        k: 3,
        context: {},
        candidateIds: [],
        excludeIds: [],
        category: "",
        rules: NO_SLATE_RULES,
        recentItemIds: [],
        explain: false,
        surface: "default",
        ...input,
      }),
    /** A feedback event (a click on item-0 by user u, organic, a fresh event id) with `extra` over it. */
    event: (extra: Partial<FeedbackInput> = {}): FeedbackInput => ({
      eventId: `e${++events}`,
      userId: "u",
      sessionId: "s",
      itemId: "item-0",
      type: "click",
      recommendationId: null,
      reward: null,
      occurredAtMs: Date.now(),
      ...extra,
    }),
  };
}

/** A counter's value for the labels given (0 when never incremented). */
export async function counted(counter: Counter<string>, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await counter.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

/** Lets pending promise callbacks and zero-delay timers run. */
export const settle = (ms = 10) => new Promise((resolve) => setTimeout(resolve, ms));
