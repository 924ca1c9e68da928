/**
 * A latency histogram with logarithmic buckets: 16 per doubling (each about 4.4% wide) from 1 µs to
 * about 70 s, so percentiles are exact to within a bucket whatever the spread, in fixed memory.
 */
const SUB_BUCKETS = 16;
const MAX_EXPONENT = 26; // 2^26 µs ≈ 67 s; slower calls land in the last bucket (max stays exact).
const BUCKETS = SUB_BUCKETS * MAX_EXPONENT + 1;

/** One row of a coarse view: calls that took at most `upToMs` (and more than the previous row's). */
export interface HistogramRow {
  upToMs: number;
  count: number;
}

export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private sumMs = 0;
  private maxMs = 0;

  record(ms: number): void {
    const micros = Math.max(1, ms * 1000);
    const index = Math.min(BUCKETS - 1, Math.floor(Math.log2(micros) * SUB_BUCKETS));
    this.counts[index]!++;
    this.total++;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
    this.sumMs += other.sumMs;
    this.maxMs = Math.max(this.maxMs, other.maxMs);
  }

  get count(): number {
    return this.total;
  }

  /** The upper edge of the bucket holding the q-quantile (0 < q ≤ 1), never above the exact max. */
  quantileMs(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.maxMs, upperEdgeMs(i));
    }
    return this.maxMs;
  }

  summary(): LatencySummary {
    return {
      count: this.total,
      meanMs: this.total === 0 ? 0 : this.sumMs / this.total,
      p50Ms: this.quantileMs(0.5),
      p95Ms: this.quantileMs(0.95),
      p99Ms: this.quantileMs(0.99),
      maxMs: this.maxMs,
    };
  }

  /** Counts regrouped on a 1-2-5 millisecond scale (0.05, 0.1, 0.2, 0.5, 1, ... ms), empty ends trimmed. */
  rows(): HistogramRow[] {
    const edges: number[] = [];
    for (let decade = 0.01; decade < 100_000; decade *= 10)
      for (const step of [1, 2, 5]) edges.push(Number((decade * step).toPrecision(2)));
    const rows = edges.map((upToMs) => ({ upToMs, count: 0 }));
    for (let i = 0; i < BUCKETS; i++) {
      if (this.counts[i] === 0) continue;
      const edge = upperEdgeMs(i);
      const row = rows.find((r) => edge <= r.upToMs) ?? rows[rows.length - 1]!;
      row.count += this.counts[i]!;
    }
    const first = rows.findIndex((r) => r.count > 0);
    if (first < 0) return [];
    let last = rows.length - 1;
    while (rows[last]!.count === 0) last--;
    return rows.slice(first, last + 1);
  }
}

function upperEdgeMs(index: number): number {
  return 2 ** ((index + 1) / SUB_BUCKETS) / 1000;
}
