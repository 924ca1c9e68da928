import type { Decision } from "./decision";

export interface RewardModelOptions {
  /** Pseudo-observations each level of the model borrows from the one above; default 5. */
  priorWeight?: number;
  /** Distinct contexts tracked per item at most; rows of further contexts use the item level. Default 256. */
  maxContexts?: number;
}

/**
 * The doubly robust estimator's reward model r̂(x, a), fitted online: the prediction for a row uses
 * only the rows before it, so r̂ never saw the reward it is subtracted from and DR stays unbiased
 * whatever the model gets wrong (its errors only cost variance). Three levels, each a mean shrunk
 * toward the level above by `priorWeight` pseudo-observations:
 *   overall mean m → item mean r̂(a) = (S_a + k·m) / (N_a + k)
 *                  → (context, item) mean r̂(x, a) = (S_xa + k·r̂(a)) / (N_xa + k),
 * where a context is the row's whole context map (e.g. device=mobile, page=home). Session and
 * long-term state are not in it: what the model misses, the importance-weighted correction repairs.
 */
export class OnlineRewardModel {
  static readonly DESCRIPTION =
    "online hierarchical mean: per-(context, item) mean shrunk toward the item mean, " +
    "shrunk toward the overall mean (5 pseudo-observations each), fitted on earlier rows only";

  private readonly priorWeight: number;
  private readonly maxContexts: number;
  private readonly itemSums: Float64Array;
  private readonly itemCounts: Float64Array;
  private readonly contextIds = new Map<string, number>();
  private readonly contextSums: Float64Array[] = [];
  private readonly contextCounts: Float64Array[] = [];
  private total = 0;
  private seen = 0;
  private lastContext: Decision["row"]["context"] | null = null;
  private lastContextId = -1;

  constructor(
    private readonly catalogSize: number,
    options: RewardModelOptions = {},
  ) {
    this.priorWeight = options.priorWeight ?? 5;
    this.maxContexts = options.maxContexts ?? 256;
    this.itemSums = new Float64Array(catalogSize);
    this.itemCounts = new Float64Array(catalogSize);
  }

  /** r̂(x, a) of every candidate of the decision into out[0 .. size). */
  predict(decision: Decision, out: Float64Array): void {
    const k = this.priorWeight;
    const overall = this.seen > 0 ? this.total / this.seen : 0;
    const contextId = this.contextOf(decision, false);
    const sums = contextId >= 0 ? this.contextSums[contextId]! : null;
    const counts = contextId >= 0 ? this.contextCounts[contextId]! : null;
    const indices = decision.candidates.indices;
    for (let c = 0; c < indices.length; c++) {
      const a = indices[c]!;
      const itemMean = (this.itemSums[a]! + k * overall) / (this.itemCounts[a]! + k);
      out[c] = sums === null ? itemMean : (sums[a]! + k * itemMean) / (counts![a]! + k);
    }
  }

  /** Learns the logged item's reward; call after the row's predictions were used. */
  observe(decision: Decision): void {
    const a = decision.candidates.indices[decision.logged]!;
    const reward = decision.reward;
    this.itemSums[a]! += reward;
    this.itemCounts[a]! += 1;
    this.total += reward;
    this.seen++;
    const contextId = this.contextOf(decision, true);
    if (contextId >= 0) {
      this.contextSums[contextId]![a]! += reward;
      this.contextCounts[contextId]![a]! += 1;
    }
  }

  /** The context's id, or -1 when it is not tracked (new and `create` false, or the cap reached). */
  private contextOf(decision: Decision, create: boolean): number {
    const context = decision.row.context;
    if (context === this.lastContext && (this.lastContextId >= 0 || !create)) return this.lastContextId;
    const key = Object.keys(context)
      .sort()
      .map((name) => `${name}=${context[name]}`)
      .join("\u0000");
    let id = this.contextIds.get(key);
    if (id === undefined && create && this.contextIds.size < this.maxContexts) {
      id = this.contextIds.size;
      this.contextIds.set(key, id);
      this.contextSums.push(new Float64Array(this.catalogSize));
      this.contextCounts.push(new Float64Array(this.catalogSize));
    }
    this.lastContext = context;
    this.lastContextId = id ?? -1;
    return this.lastContextId;
  }
}
