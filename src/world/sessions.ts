import type { Random } from "./random";
import { pad, type Page, type World, type WorldContext, type WorldSession, type WorldUser } from "./world";

/** Simulated time starts here (2024-01-01T00:00:00Z), so generated files never depend on the clock. */
export const WORLD_EPOCH_MS = Date.UTC(2024, 0, 1);

/** A shopper clicked an item while browsing on their own (not from a recommendation). */
export interface BrowseEvent {
  kind: "browse";
  ts: number;
  session: WorldSession;
  itemIndex: number;
}

/** The storefront asks for recommendations: the moment a policy decides what to show. */
export interface DecisionEvent {
  kind: "decision";
  ts: number;
  session: WorldSession;
  context: WorldContext;
  /** 0-based count of decisions earlier in the same session. */
  step: number;
}

export type StreamEvent = BrowseEvent | DecisionEvent;

export interface SessionStreamOptions {
  /** Simulated time of the first session; default WORLD_EPOCH_MS. */
  startMs?: number;
  /** Prefix of session ids, so two streams over one world never share an id; default "s". */
  sessionIdPrefix?: string;
}

/**
 * Shoppers' visits over simulated time, as one endless stream of events in time order. Sessions start
 * as a Poisson process and overlap; who starts one is drawn by activity, so the same users return.
 * Within a session, decisions (recommendation requests) alternate with organic clicks that drift toward
 * the hidden intent: the first may wander, later ones are mostly on it, as a shopper narrows down.
 */
export function* sessionStream(
  world: World,
  rng: Random,
  options: SessionStreamOptions = {},
): Generator<StreamEvent, never> {
  const prefix = options.sessionIdPrefix ?? "s";
  const meanArrivalGapMs = 3_600_000 / world.params.sessionsPerHour;
  const pending = new EventQueue();
  let nextStartMs = options.startMs ?? WORLD_EPOCH_MS;
  let sessionCount = 0;
  for (;;) {
    while (pending.size === 0 || pending.peekTs() >= nextStartMs) {
      const session = startSession(world, rng, `${prefix}${pad(sessionCount, 1_000_000)}`, Math.round(nextStartMs));
      for (const event of sessionEvents(world, rng, session)) pending.push(event);
      sessionCount++;
      nextStartMs += rng.exponential(meanArrivalGapMs);
    }
    yield pending.pop();
  }
}

function startSession(world: World, rng: Random, sessionId: string, startMs: number): WorldSession {
  const user = drawUser(world, rng);
  const { params } = world;
  const fromTaste = rng.chance(params.intentFromTaste);
  const intent = fromTaste ? user.tasteCategories[rng.weightedIndex(user.tasteWeights)]! : rng.int(params.categories);
  return { sessionId, user, intent, device: rng.chance(user.mobileLean) ? "mobile" : "desktop", startMs };
}

function drawUser(world: World, rng: Random): WorldUser {
  const cumulative = world.userActivityCumulative;
  const target = rng.next() * cumulative[cumulative.length - 1]!;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return world.users[lo]!;
}

/** All of one session's events, drawn at once so the stream's draws do not depend on interleaving. */
function sessionEvents(world: World, rng: Random, session: WorldSession): StreamEvent[] {
  const { params } = world;
  const gapMs = params.eventGapSeconds * 1000;
  const decisions = 1 + geometricFailures(rng, 1 / params.decisionsPerSession);
  const events: StreamEvent[] = [];
  let ts = session.startMs;
  let browseCount = 0;
  for (let step = 0; step < decisions; step++) {
    if (rng.chance(params.browseRate)) {
      events.push({ kind: "browse", ts, session, itemIndex: browseItem(world, rng, session, browseCount++) });
      ts += Math.max(1, Math.round(rng.exponential(gapMs)));
    }
    events.push({
      kind: "decision",
      ts,
      session,
      context: { device: session.device, page: drawPage(rng, step) },
      step,
    });
    ts += Math.max(1, Math.round(rng.exponential(gapMs)));
  }
  return events;
}

/** Failures before the first success of a p-coin: mean (1 - p) / p. */
function geometricFailures(rng: Random, p: number): number {
  if (p >= 1) return 0;
  return Math.floor(Math.log(1 - rng.next()) / Math.log(1 - p));
}

function drawPage(rng: Random, step: number): Page {
  const u = rng.next();
  if (step === 0) return u < 0.7 ? "home" : "product";
  return u < 0.15 ? "home" : u < 0.85 ? "product" : "cart";
}

/** The k-th organic click: on the intent with a chance that grows with k, else from taste or anywhere. */
function browseItem(world: World, rng: Random, session: WorldSession, k: number): number {
  const onIntent = 1 - 0.6 * 0.6 ** k;
  let category: number;
  if (rng.chance(onIntent)) category = session.intent;
  else if (rng.chance(0.7)) category = session.user.tasteCategories[rng.weightedIndex(session.user.tasteWeights)]!;
  else category = rng.int(world.params.categories);
  let pool = world.itemsByCategory[category]!;
  if (pool.length === 0) pool = world.items.map((item) => item.index);
  return pool[rng.weightedIndex(pool.map((index) => Math.exp(world.items[index]!.quality)))]!;
}

/** A binary min-heap of events by time; ties keep insertion order so the stream is deterministic. */
class EventQueue {
  private readonly heap: Array<{ event: StreamEvent; order: number }> = [];
  private inserted = 0;

  get size(): number {
    return this.heap.length;
  }

  peekTs(): number {
    return this.heap[0]!.event.ts;
  }

  push(event: StreamEvent): void {
    const heap = this.heap;
    heap.push({ event, order: this.inserted++ });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  pop(): StreamEvent {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && this.before(left, smallest)) smallest = left;
        if (right < heap.length && this.before(right, smallest)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return top.event;
  }

  private before(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.event.ts < y.event.ts || (x.event.ts === y.event.ts && x.order < y.order);
  }
}
