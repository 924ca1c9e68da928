import { Registry } from "prom-client";
import { loadConfig, type Config } from "../config";
import { Engine } from "../engine/engine";
import { NO_SLATE_RULES } from "../engine/rules";
import type { FeedbackInput } from "../engine/types";
import { silentLogger } from "../log";
import { openMemoryStores } from "../state/memory/open-memory-stores";
import { openPostgresStores } from "../state/postgres/open-postgres-stores";
import { openRedisStores } from "../state/redis/open-redis-stores";
import { clickProbability } from "../world/click-model";
import { catalogItems } from "../world/log-generator";
import type { WorldParams } from "../world/params";
import { createRandom, type Random } from "../world/random";
import { sessionStream, type DecisionEvent } from "../world/sessions";
import { createWorld, type World } from "../world/world";
import {
  contextFreeBandit,
  oraclePolicy,
  popularityPolicy,
  randomPolicy,
  similarityPolicy,
  type BaselinePolicy,
} from "./baselines";

export interface SimulationOptions {
  world?: Partial<WorldParams>;
  seed?: number;
  /** Recommendation requests to simulate. */
  decisions?: number;
  /** Slots per recommendation. */
  k?: number;
  /** Points on the click-rate curve. */
  windows?: number;
  /** The engine's settings beyond the simulation's own (default: the service's defaults). */
  engine?: Partial<Config>;
  /** Real stores for the engine (both optional; default: embedded PGlite in memory and in-memory state). */
  stores?: { databaseUrl?: string; redisUrl?: string; redisPrefix?: string };
  /** Called after each window with the decisions done so far. */
  onProgress?: (done: number, total: number) => void;
}

/** Click rate per slot of one policy, per window of decisions and overall. */
export interface PolicyCurve {
  name: string;
  windows: number[];
  overall: number;
  secondHalf: number;
  /** Click rate per slot over the first 500 decisions (all of them when fewer). */
  first500: number;
  /** (policy − random) / (oracle − random), on the second half. */
  gapClosed: number;
  /** Share of the policy's slots in the session's intent category right after an organic click on it. */
  intentShareAfterIntentClick: number;
}

export interface SimulationResult {
  decisions: number;
  k: number;
  seed: number;
  windowSize: number;
  policies: PolicyCurve[];
  /** (engine − random) / (oracle − random), on the second half. */
  gapClosed: number;
  /** Share of the engine's slots in the session's hidden intent category at a session's first request... */
  intentShareCold: number;
  /** ...and right after an organic click on the intent category. */
  intentShareAfterIntentClick: number;
  engineModelUpdates: number;
}

/** The real engine (in-process, embedded stores in memory) as a simulated storefront's policy. */
async function startEngine(
  world: World,
  options: Required<Pick<SimulationOptions, "seed">> & Pick<SimulationOptions, "stores" | "engine">,
) {
  const config = loadConfig(
    {},
    {
      ...options.engine,
      embeddingDim: world.params.dim,
      rewardWaitMs: 1,
      storeTimeoutMs: 5_000,
      snapshotIntervalS: 86_400,
      logLevel: "silent",
    },
  );
  const { databaseUrl, redisUrl, redisPrefix } = options.stores ?? {};
  const durable = await openPostgresStores(
    databaseUrl
      ? { url: databaseUrl, embeddingDim: config.embeddingDim }
      : { memory: true, embeddingDim: config.embeddingDim },
  );
  await durable.migrate();
  await durable.items.upsert(catalogItems(world));
  const windows = {
    sessionWindow: config.sessionWindow,
    sessionTtlS: config.sessionTtlS,
    rewardWaitMs: config.rewardWaitMs,
  };
  const ephemeral = redisUrl
    ? await openRedisStores({ url: redisUrl, prefix: redisPrefix ?? "recs-sim:", ...windows })
    : openMemoryStores(windows);
  const engine = await Engine.start({
    config,
    durable,
    ephemeral,
    logger: silentLogger,
    registry: new Registry(),
    seed: options.seed,
  });
  return {
    engine,
    async close() {
      await engine.close();
      await ephemeral.close();
      await durable.close();
    },
  };
}

/**
 * Runs the synthetic storefront (DESIGN §7's simulator) against the real engine and four baselines on
 * the same stream of shoppers: each policy answers every recommendation request, the ground-truth click
 * model decides the clicks, and each learns from its own outcomes. The world, the shoppers and the clicks
 * are deterministic for a seed; the engine's feedback overlaps (group commit), so its figures can move
 * slightly between runs.
 */
export async function simulate(options: SimulationOptions = {}): Promise<SimulationResult> {
  const seed = options.seed ?? 42;
  const decisions = options.decisions ?? 20_000;
  const k = options.k ?? 5;
  const windows = options.windows ?? 20;
  const world = createWorld(options.world ?? {}, seed);
  const root = createRandom(`simulate:${seed}`);
  const stream = sessionStream(world, root.fork("sessions"));
  const baselines: Array<{ policy: BaselinePolicy; rng: Random }> = [
    { policy: randomPolicy(world, root.fork("random-policy")), rng: root.fork("clicks:random") },
    { policy: popularityPolicy(world), rng: root.fork("clicks:popularity") },
    { policy: contextFreeBandit(world), rng: root.fork("clicks:context-free") },
    { policy: similarityPolicy(world), rng: root.fork("clicks:similarity") },
    { policy: oraclePolicy(world), rng: root.fork("clicks:oracle") },
  ];
  const engineRng = root.fork("clicks:engine");
  const { engine, close } = await startEngine(world, { engine: options.engine, seed, stores: options.stores });
  const windowSize = Math.max(1, Math.floor(decisions / windows));
  const names = ["engine (hybrid LinUCB)", ...baselines.map((b) => b.policy.name)];
  const clicks = new Map<string, number[]>(names.map((name) => [name, []]));
  const first500 = new Map<string, number>(names.map((name) => [name, 0]));
  const afterIntentClick = new Map<string, { slots: number; onIntent: number }>(
    names.map((name) => [name, { slots: 0, onIntent: 0 }]),
  );
  const first500Decisions = Math.min(500, decisions);
  const intent = { coldSlots: 0, coldOnIntent: 0 };
  const showContext = world.params.contextShown === 1;
  /**
   * Tallies one policy's slate for a decision. The figures count the slate's expected clicks (the click
   * model's probabilities of its slots), not the drawn ones: the same mean without the draws' noise, so
   * policies compare on what they showed. Each policy still learns from its own drawn clicks.
   */
  const tally = (
    name: string,
    window: number,
    shown: number[],
    event: DecisionEvent,
    afterOrganic: boolean | undefined,
  ) => {
    const { session, context } = event;
    let expected = 0;
    shown.forEach((index, position) => {
      expected += clickProbability(world, session, world.items[index]!, position, context);
    });
    add(clicks.get(name)!, window, expected);
    if (done < first500Decisions) first500.set(name, first500.get(name)! + expected);
    if (afterOrganic === true) {
      const t = afterIntentClick.get(name)!;
      t.slots += shown.length;
      for (const index of shown) if (world.items[index]!.category === session.intent) t.onIntent++;
    }
  };
  const lastOrganicOnIntent = new Map<string, boolean>();
  let eventCounter = 0;
  const pendingBySession = new Map<string, Promise<unknown>[]>();
  let inFlight: Promise<unknown>[] = [];
  /** Sends feedback without waiting for it; at most 256 events are in flight. */
  async function send(sessionId: string, input: FeedbackInput): Promise<void> {
    const pending = engine.feedback(input);
    pendingBySession.set(sessionId, [...(pendingBySession.get(sessionId) ?? []), pending]);
    inFlight.push(pending);
    if (inFlight.length >= 256) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  let done = 0;
  try {
    while (done < decisions) {
      const event = stream.next().value;
      const session = event.session;
      if (event.kind === "browse") {
        lastOrganicOnIntent.set(session.sessionId, world.items[event.itemIndex]!.category === session.intent);
        for (const b of baselines) b.policy.observeBrowse(session, event.itemIndex);
        await send(session.sessionId, {
          eventId: `e${eventCounter++}`,
          userId: session.user.userId,
          sessionId: session.sessionId,
          itemId: world.items[event.itemIndex]!.itemId,
          type: "click",
          recommendationId: null,
          reward: null,
          occurredAtMs: Date.now(),
        });
        continue;
      }
      const window = Math.floor(done / windowSize);
      // A session's next request waits for its earlier feedback, as a shopper's next page would;
      // feedback of different sessions overlaps, so the engine's group commit batches it.
      await Promise.all(pendingBySession.get(session.sessionId) ?? []);
      pendingBySession.delete(session.sessionId);
      const afterOrganic = lastOrganicOnIntent.get(session.sessionId);
      const engineOutcome = await engineDecision(event, afterOrganic);
      tally(names[0]!, window, engineOutcome.shown, event, afterOrganic);
      for (const b of baselines) {
        const shown = b.policy.choose(session, event.context, k);
        shown.forEach((index, position) => {
          const clicked = b.rng.chance(clickProbability(world, session, world.items[index]!, position, event.context));
          b.policy.learn(session, index, clicked ? 1 : 0);
        });
        tally(b.policy.name, window, shown, event, afterOrganic);
      }
      lastOrganicOnIntent.delete(session.sessionId);
      done++;
      if (done % 25 === 0) await engine.sweepDefaultRewards();
      if (done % windowSize === 0) options.onProgress?.(done, decisions);
    }
    await Promise.all([...pendingBySession.values()].flat());
    await engine.sweepDefaultRewards();
  } finally {
    await close();
  }

  async function engineDecision(event: DecisionEvent, afterOrganic: boolean | undefined): Promise<{ shown: number[] }> {
    const { session, context } = event;
    const rec = await engine.recommend({
      userId: session.user.userId,
      sessionId: session.sessionId,
      k,
      context: showContext ? { device: context.device, page: context.page } : {},
      candidateIds: [],
      excludeIds: [],
      category: "",
      rules: NO_SLATE_RULES,
      recentItemIds: [],
      explain: false,
      surface: "default",
    });
    const shown: number[] = [];
    for (const slot of rec.items) {
      const index = world.itemIndexById.get(slot.itemId)!;
      shown.push(index);
      const onIntent = world.items[index]!.category === session.intent ? 1 : 0;
      if (event.step === 0 && afterOrganic === undefined) {
        intent.coldSlots++;
        intent.coldOnIntent += onIntent;
      }
      if (!engineRng.chance(clickProbability(world, session, world.items[index]!, slot.position, context))) continue;
      await send(session.sessionId, {
        eventId: `e${eventCounter++}`,
        userId: session.user.userId,
        sessionId: session.sessionId,
        itemId: slot.itemId,
        type: "click",
        recommendationId: rec.recommendationId,
        reward: null,
        occurredAtMs: Date.now(),
      });
    }
    return { shown };
  }

  const curves = [...clicks].map(([name, perWindow]) => {
    const rates = perWindow.map((c) => c / (windowSize * k));
    const half = Math.floor(rates.length / 2);
    return { name, windows: rates, overall: mean(rates), secondHalf: mean(rates.slice(half)) };
  });
  const rate = (name: string) => curves.find((p) => p.name.startsWith(name))!.secondHalf;
  const gap = (value: number) => (value - rate("random")) / (rate("oracle") - rate("random"));
  const policies: PolicyCurve[] = curves.map((curve) => {
    const after = afterIntentClick.get(curve.name)!;
    return {
      ...curve,
      first500: first500.get(curve.name)! / (first500Decisions * k),
      gapClosed: gap(curve.secondHalf),
      intentShareAfterIntentClick: after.onIntent / Math.max(1, after.slots),
    };
  });
  return {
    decisions,
    k,
    seed,
    windowSize,
    policies,
    gapClosed: policies[0]!.gapClosed,
    intentShareCold: intent.coldOnIntent / Math.max(1, intent.coldSlots),
    intentShareAfterIntentClick: policies[0]!.intentShareAfterIntentClick,
    engineModelUpdates: engine.model.updateCount,
  };
}

function add(series: number[], window: number, value: number): void {
  while (series.length <= window) series.push(0);
  series[window]! += value;
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}
