import { DEFAULT_SURFACE } from "../engine/model";

/** One sample of the Prometheus text format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Cumulative bucket counts of one histogram: upper bounds (the last is +Inf) and counts. */
export interface Buckets {
  le: number[];
  counts: number[];
}

export interface RpcSummary {
  method: string;
  total: number;
  /** Calls that ended with a status other than OK. */
  errors: number;
  /** Since start, interpolated within the bucket like Prometheus' histogram_quantile; null without calls. */
  p99Seconds: number | null;
  /** All codes together, so the page can take the p99 of the calls between two polls. */
  buckets: Buckets;
}

/** One surface's figures: cumulative since start, like the rest of the summary. */
export interface SurfaceSummary {
  surface: string;
  /** Updates its model holds (its model version's count); with several workers, the most any holds. */
  version: number;
  itemsServed: number;
  empty: number;
  /** Accepted clicks answering one of its recommendations. */
  clicks: number;
  /** Sum of the rewards of accepted feedback answering one of its recommendations. */
  rewardSum: number;
}

/**
 * What the live page shows, computed from the same exposition text /metrics serves (so with
 * RECS_WORKERS > 1 it is the workers' aggregate). Every figure is cumulative since start; the page
 * takes rates and windowed quantiles from the difference between two polls.
 */
export interface MetricsSummary {
  atMs: number;
  rpc: RpcSummary[];
  recommend: {
    /** Recommend answers (status OK). */
    answers: number;
    /** Answers served without a store, by store (one answer may lack both). */
    degraded: Record<string, number>;
    empty: number;
    itemsServed: number;
    itemsExplored: number;
  };
  feedback: {
    accepted: number;
    /** Accepted clicks answering a recommendation. */
    clicks: number;
    /** Sum of the rewards of accepted feedback answering a recommendation. */
    rewardSum: number;
    clicksByPosition: Record<string, number>;
    untrained: Record<string, number>;
  };
  servingContext: {
    /** Feedback naming a recommendation whose serving context was held (trained, or item not in it). */
    hits: number;
    /** Feedback naming a recommendation whose context was gone or unreadable. */
    misses: number;
  };
  model: {
    version: number;
    updates: Record<string, number>;
    snapshotAgeSeconds: number;
    /**
     * Replica agreement, where known (null before the first read of the log): the log position the model
     * holds every update up to, the log's newest position, and other writers' updates not applied yet.
     */
    logPosition: number | null;
    logNewestPosition: number | null;
    updatesPending: number | null;
  };
  catalog: { items: number };
  /** Every surface the model holds (`recs_model_updates`), `default` first, then by name. */
  surfaces: SurfaceSummary[];
}

/** Parses Prometheus text exposition (no timestamps, as prom-client writes it). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The q-quantile of a cumulative histogram, interpolated within its bucket (histogram_quantile). */
export function bucketQuantile(q: number, buckets: Buckets): number | null {
  const total = buckets.counts[buckets.counts.length - 1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < buckets.le.length; i++) {
    if (buckets.counts[i]! < rank) continue;
    const upper = buckets.le[i]!;
    // Past the last finite bound there is nothing to interpolate towards: report that bound.
    if (!Number.isFinite(upper)) return buckets.le[i - 1] ?? null;
    const lower = i === 0 ? 0 : buckets.le[i - 1]!;
    const below = i === 0 ? 0 : buckets.counts[i - 1]!;
    const inBucket = buckets.counts[i]! - below;
    return inBucket <= 0 ? upper : lower + ((upper - lower) * (rank - below)) / inBucket;
  }
  return null;
}

export function summarize(text: string, atMs = Date.now()): MetricsSummary {
  const samples = parseExposition(text);
  const sum = (name: string, labels: Record<string, string> = {}) =>
    samples
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((total, s) => total + s.value, 0);
  const byLabel = (name: string, label: string) => {
    const out: Record<string, number> = {};
    for (const s of samples)
      if (s.name === name && s.labels[label] !== undefined)
        out[s.labels[label]!] = (out[s.labels[label]!] ?? 0) + s.value;
    return out;
  };
  const known = (name: string) => (samples.some((s) => s.name === name) ? sum(name) : null);
  const untrained = byLabel("recs_feedback_untrained_total", "reason");
  return {
    atMs,
    rpc: rpcSummaries(samples),
    recommend: {
      answers: sum("recs_rpc_total", { method: "Recommend", code: "OK" }),
      degraded: byLabel("recs_degraded_responses_total", "reason"),
      empty: sum("recs_empty_responses_total"),
      itemsServed: sum("recs_recommended_items_total"),
      itemsExplored: sum("recs_recommended_items_total", { explored: "true" }),
    },
    feedback: {
      accepted: sum("recs_feedback_events_total", { outcome: "accepted" }),
      clicks: sum("recs_feedback_accepted_total", { type: "click", answers: "recommendation" }),
      rewardSum: sum("recs_feedback_reward_sum", { answers: "recommendation" }),
      clicksByPosition: byLabel("recs_clicks_by_position_total", "position"),
      untrained,
    },
    servingContext: {
      hits: sum("recs_bandit_updates_total", { source: "feedback" }) + (untrained.item_not_served ?? 0),
      misses: (untrained.context_gone ?? 0) + (untrained.context_unreadable ?? 0),
    },
    model: {
      version: sum("recs_model_updates"),
      updates: byLabel("recs_bandit_updates_total", "source"),
      snapshotAgeSeconds: sum("recs_model_snapshot_age_seconds"),
      logPosition: known("recs_model_log_position"),
      logNewestPosition: known("recs_log_newest_position"),
      updatesPending: known("recs_model_updates_pending"),
    },
    catalog: { items: sum("recs_catalog_items") },
    surfaces: surfaceSummaries(sum, byLabel("recs_model_updates", "surface")),
  };
}

function surfaceSummaries(
  sum: (name: string, labels: Record<string, string>) => number,
  versions: Record<string, number>,
): SurfaceSummary[] {
  const names = Object.keys(versions).sort((a, b) =>
    a === DEFAULT_SURFACE ? -1 : b === DEFAULT_SURFACE ? 1 : a.localeCompare(b),
  );
  return names.map((surface) => ({
    surface,
    version: versions[surface]!,
    itemsServed: sum("recs_recommended_items_total", { surface }),
    empty: sum("recs_empty_responses_total", { surface }),
    clicks: sum("recs_feedback_accepted_total", { type: "click", answers: "recommendation", surface }),
    rewardSum: sum("recs_feedback_reward_sum", { answers: "recommendation", surface }),
  }));
}

function rpcSummaries(samples: Sample[]): RpcSummary[] {
  const methods = new Map<string, { total: number; errors: number; bounds: Map<number, number> }>();
  const entry = (method: string) => {
    let found = methods.get(method);
    if (!found) methods.set(method, (found = { total: 0, errors: 0, bounds: new Map() }));
    return found;
  };
  for (const s of samples) {
    const method = s.labels.method;
    if (method === undefined) continue;
    if (s.name === "recs_rpc_total") {
      const e = entry(method);
      e.total += s.value;
      if (s.labels.code !== "OK") e.errors += s.value;
    } else if (s.name === "recs_rpc_duration_seconds_bucket" && s.labels.le !== undefined) {
      const bounds = entry(method).bounds;
      const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
      bounds.set(le, (bounds.get(le) ?? 0) + s.value);
    }
  }
  return [...methods.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([method, { total, errors, bounds }]) => {
      const le = [...bounds.keys()].sort((a, b) => a - b);
      const buckets = { le, counts: le.map((bound) => bounds.get(bound)!) };
      return { method, total, errors, p99Seconds: bucketQuantile(0.99, buckets), buckets };
    });
}
