import { randomIndex, type Random } from "../bandit/rng";
import { firstSlotDistribution } from "../bandit/slate";
import { OnlineModel, type ModelPrior } from "../engine/model";
import { CandidateScorer } from "../engine/ranker";
import type { Decision, EvalCatalog } from "./decision";
import type { EvalPolicy } from "./eval-policy";
import type { ModelUpdateFeed, ModelUpdateReader } from "./model-update-feed";
import { maskState, type StateSwitches } from "../engine/state-switches";
import type { ScoreRequest } from "../engine/ranker";

/**
 * The service's scoring settings (RECS_ALPHA, RECS_EPSILON, RECS_PRIOR_*, or the surface's settings
 * record with its feature switches): what `live` means. A category cap never changes slot 0, the only
 * slot the estimators weigh, so `maxPerCategory` only names the policy.
 */
export interface LiveSettings extends StateSwitches {
  alpha: number;
  epsilon: number;
  prior: ModelPrior;
  maxPerCategory?: number;
}

/** How closely `live` reproduced the logging policy, row by row (slot-0 rows its probabilities were asked of). */
export interface LiveAgreement {
  rows: number;
  /** Rows with their serving state logged and the model holding the same updates as the serving one. */
  exactRows: number;
  /** Of those, rows where π(logged item) equals the logged propensity to 1e-9. */
  reproduced: number;
  /** Largest |π(logged item) − logged propensity| over the exact rows. */
  maxDifference: number;
}

/** The tolerance within which a recomputed propensity counts as the logged one. */
export const PROPENSITY_TOLERANCE = 1e-9;

/**
 * `live`: the service's policy with the settings it runs with now, and the service's own model as it
 * was at each impression: the model learns no rows of its own but applies the logged model updates
 * (feedback and default rewards, in log order) up to the count the impression's model version names.
 * With unchanged settings it is the logging policy itself, so on exactly logged rows π(logged) is the
 * logged propensity and every importance weight is 1; with changed settings (say α) it answers "the
 * same learning, scored this way".
 */
export class LivePolicy implements EvalPolicy {
  /** It changes from row to row (the updates), so replay and the weighted estimators need an instance each. */
  readonly learns = true;
  readonly model: OnlineModel;
  private readonly scorer: CandidateScorer;
  private readonly reader: ModelUpdateReader;
  private inStep = true;

  constructor(
    catalog: EvalCatalog,
    private readonly settings: LiveSettings,
    feed: ModelUpdateFeed,
    readonly name: string,
    /** Filled as the weighted estimators ask for probabilities. */
    readonly agreement: LiveAgreement = { rows: 0, exactRows: 0, reproduced: 0, maxDifference: 0 },
  ) {
    this.model = OnlineModel.create({ dim: catalog.dim, alpha: settings.alpha, prior: settings.prior });
    this.scorer = new CandidateScorer(this.model.spec);
    this.reader = feed.reader();
  }

  choosesLogged(decision: Decision, rng: Random): boolean {
    this.catchUp(decision);
    const pinned = decision.firstPinned();
    if (pinned >= 0) return pinned === decision.logged;
    const epsilon = this.settings.epsilon;
    if (rng() < epsilon) return randomIndex(rng, decision.size) === decision.logged;
    return this.scorer.isGreedyFirst(this.model.bandit, this.request(decision), decision.logged);
  }

  probabilityOfLogged(decision: Decision): number {
    this.catchUp(decision);
    const pinned = decision.firstPinned();
    if (pinned >= 0) {
      const certain = pinned === decision.logged ? 1 : 0;
      this.check(decision, certain);
      return certain;
    }
    const greedy = this.scorer.isGreedyFirst(this.model.bandit, this.request(decision), decision.logged);
    const epsilon = this.settings.epsilon;
    const probability = epsilon / decision.size + (greedy ? 1 - epsilon : 0);
    this.check(decision, probability);
    return probability;
  }

  distribution(decision: Decision, out: Float64Array): void {
    this.catchUp(decision);
    const scores = this.scorer.scoreAll(this.model.bandit, this.request(decision));
    out.set(firstSlotDistribution(scores, this.settings.epsilon, decision.rules()));
    this.check(decision, out[decision.logged]!);
  }

  /**
   * The row's state as φ sees it under these settings' switches: on a row served with a part on, a switch
   * turned off here masks it as the service would (a part the service had off is not in the log to turn on).
   */
  private request(decision: Decision): ScoreRequest {
    return maskState(decision.scoreRequest(), this.settings, false);
  }

  /** Learning is the logged updates, applied before each row. */
  learn(): void {}

  private catchUp(decision: Decision): void {
    const count = decision.row.modelUpdates;
    this.inStep = count !== undefined && this.reader.advance(this.model, count);
  }

  private check(decision: Decision, probability: number): void {
    const agreement = this.agreement;
    agreement.rows++;
    if (!decision.exact || !this.inStep) return;
    agreement.exactRows++;
    const difference = Math.abs(probability - decision.row.propensity);
    if (difference > agreement.maxDifference) agreement.maxDifference = difference;
    if (difference <= PROPENSITY_TOLERANCE) agreement.reproduced++;
  }
}

/**
 * What the report should warn about `live`'s agreement with the logging policy: rows where it did not
 * reproduce the logged propensity, and rows where it could not rebuild the serving model at all.
 */
export function liveWarnings(agreement: LiveAgreement, log: { rowsEvaluated: number; exactRows: number }): string[] {
  const warnings: string[] = [];
  if (agreement.reproduced < agreement.exactRows)
    warnings.push(
      `live did not reproduce the logged propensity on ${agreement.exactRows - agreement.reproduced} of ` +
        `${agreement.exactRows} rows: the settings differ from the logging run's, or replicas applied ` +
        "model updates in another order than the log's",
    );
  // Rows asked about that were logged with their state but not counted exact: the model was out of step.
  const unmatched = agreement.rows - agreement.exactRows - (log.rowsEvaluated - log.exactRows);
  if (unmatched > 0)
    warnings.push(
      `live could not rebuild the serving model on ${unmatched} rows: the log lacks the model updates ` +
        "their model version names (retention dropped them, or the model came from elsewhere)",
    );
  return warnings;
}
