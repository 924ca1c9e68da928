/**
 * The feedback flow's CPU per event without gRPC: an Engine over the configured stores (DATABASE_URL,
 * REDIS_URL; load a catalog first), 200 recommendations to answer (FLOW_RECOMMENDATIONS=N for N: past
 * the 5,000 serving contexts the engine keeps in memory, most answers read theirs from Redis, as
 * feedback reaching another replica does), then rounds of four concurrent
 * IngestFeedback-like streams of 5,000 events (90% answering a recommendation, as `recs bench --ingest`
 * sends), each round's process CPU divided by the events accepted. In one process and without the
 * network layer, it separates the flow's own cost from the service's and repeats within a few percent
 * where the service bench drifts with the host; run two checkouts in turn to compare them. It also
 * prints the whole machine's CPU per event (/proc/stat), which counts Postgres's and Redis's work too.
 *
 *   DATABASE_URL=… REDIS_URL=… RECS_REDIS_PREFIX=flow: [FLOW_RECOMMENDATIONS=20000] npm run bench:flow [-- ROUNDS]
 */
import { loadavg } from "node:os";
import { Registry, type Histogram } from "prom-client";
import { seededRandom } from "../bandit/rng";
import { loadConfig } from "../config";
import { Engine } from "../engine/engine";
import type { StreamEntry } from "../engine/engine";
import type { FeedbackInput } from "../engine/types";
import { createLogger } from "../log";
import type { FeedbackEvent__Output } from "../server/generated/recs/v1/FeedbackEvent";
import { machineCpuTimes } from "./machine-cpu";
import { toFeedbackInput } from "../server/validation";
import { openStores } from "../state/open-stores";
import { NO_SLATE_RULES } from "../engine/rules";

const STREAMS = 4;
const EVENTS_PER_STREAM = 5_000;
const USERS = 1_000;
const rounds = Number(process.argv[2] ?? 6);
const RECOMMENDATIONS = Number(process.env.FLOW_RECOMMENDATIONS ?? 200);
if (!Number.isInteger(RECOMMENDATIONS) || RECOMMENDATIONS < 1)
  throw new Error(`FLOW_RECOMMENDATIONS must be a positive integer, got ${process.env.FLOW_RECOMMENDATIONS}`);

const config = loadConfig();
const logger = createLogger("warn");
const stores = await openStores(config, logger, () => undefined);
const registry = new Registry();
const engine = await Engine.start({
  config,
  durable: stores.durable,
  ephemeral: stores.ephemeral,
  logger,
  seed: 1,
  registry,
});
if (engine.catalog.size === 0)
  throw new Error("the catalog is empty: load one first (node bin/recs.js load-catalog FILE)");

const rng = seededRandom(7);
const tag = Math.random().toString(36).slice(2, 8);
const shown: Array<{ recommendationId: string; userId: string; sessionId: string; itemIds: string[] }> = [];
for (let i = 0; i < RECOMMENDATIONS; i++) {
  const user = Math.floor(rng() * USERS);
  const input = {
    userId: `flow-u-${user}`,
    sessionId: `flow-s-${tag}-${user}`,
    k: 10,
    context: { page: "home" },
    candidateIds: [],
    excludeIds: [],
    category: "",
    rules: NO_SLATE_RULES,
    recentItemIds: [],
    explain: false,
    surface: "default",
  };
  const out = await engine.recommend(input);
  shown.push({
    recommendationId: out.recommendationId,
    userId: input.userId,
    sessionId: input.sessionId,
    itemIds: out.items.map((item) => item.itemId),
  });
}
const itemIds = [...new Set(shown.flatMap((s) => s.itemIds))];

let events = 0;
/**
 * A wire event as the service decodes it: most answer a recommendation (top slots more often), the rest are organic.
 */
function nextEvent(): StreamEntry<FeedbackInput> {
  const eventId = `flow-${tag}-${++events}`;
  const answering = rng() < 0.9;
  const s = shown[Math.floor(rng() * shown.length)]!;
  const user = Math.floor(rng() * USERS);
  const wire: FeedbackEvent__Output = answering
    ? {
        eventId,
        userId: s.userId,
        sessionId: s.sessionId,
        itemId: s.itemIds[Math.min(s.itemIds.length - 1, Math.floor(s.itemIds.length * rng() * rng()))]!,
        type: "CLICK",
        recommendationId: s.recommendationId,
        occurredAtMs: "0",
      }
    : {
        eventId,
        userId: `flow-u-${user}`,
        sessionId: `flow-s-${tag}-${user}`,
        itemId: itemIds[Math.floor(rng() * itemIds.length)]!,
        type: "CLICK",
        recommendationId: "",
        occurredAtMs: "0",
      };
  return { id: eventId, value: toFeedbackInput(wire, { nowMs: Date.now(), retentionDays: config.eventRetentionDays }) };
}

async function* stream(): AsyncIterable<StreamEntry<FeedbackInput>> {
  for (let i = 0; i < EVENTS_PER_STREAM; i++) yield nextEvent();
}

/** One round: this process's CPU and the whole machine's (Postgres and Redis included; null off Linux). */
async function round(): Promise<{ accepted: number; cpuUs: number; machineUs: number | null; wallMs: number }> {
  const cpu = process.cpuUsage();
  const machine = machineCpuTimes();
  const started = performance.now();
  const summaries = await Promise.all(Array.from({ length: STREAMS }, () => engine.ingestFeedback(stream())));
  const used = process.cpuUsage(cpu);
  const machineAfter = machineCpuTimes();
  const machineUs = machine && machineAfter ? (machineAfter.busyS - machine.busyS) * 1e6 : null;
  return {
    accepted: summaries.reduce((sum, s) => sum + s.accepted, 0),
    cpuUs: used.user + used.system,
    machineUs,
    wallMs: performance.now() - started,
  };
}

console.log(
  `feedback flow, ${STREAMS} streams × ${EVENTS_PER_STREAM} events per round, load average ${loadavg()[0]!.toFixed(2)}`,
);
await round(); // warm-up
const perEvent: number[] = [];
const machinePerEvent: number[] = [];
for (let r = 0; r < rounds; r++) {
  const { accepted, cpuUs, machineUs, wallMs } = await round();
  if (accepted === 0) throw new Error("no event was accepted");
  perEvent.push(cpuUs / accepted);
  if (machineUs !== null) machinePerEvent.push(machineUs / accepted);
  const machineText = machineUs === null ? "" : `, machine ${(machineUs / accepted).toFixed(1)} µs`;
  console.log(
    `round ${r + 1}: ${accepted} accepted, ${Math.round((accepted * 1000) / wallMs)} events/s, ` +
      `${(cpuUs / accepted).toFixed(1)} µs CPU per event${machineText}`,
  );
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const machineMedian =
  machinePerEvent.length > 0
    ? `; the whole machine (Postgres, Redis and anything else running) ${median(machinePerEvent).toFixed(1)} µs`
    : "";
console.log(`median ${median(perEvent).toFixed(1)} µs CPU per event in this process${machineMedian}`);
const batches =
  (await (registry.getSingleMetric("recs_event_log_batch_size") as Histogram | undefined)?.get())?.values ?? [];
const feedbackBatches = (suffix: string) =>
  batches.find((v) => v.metricName === `recs_event_log_batch_size_${suffix}` && v.labels.log === "feedback")?.value ??
  0;
if (feedbackBatches("count") > 0)
  console.log(
    `feedback log writes: ${feedbackBatches("count")}, ` +
      `${(feedbackBatches("sum") / feedbackBatches("count")).toFixed(0)} events each on average`,
  );
await engine.close();
await stores.close();
