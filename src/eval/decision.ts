import { hashContext, type HashedContext } from "../bandit/features";
import { CatalogMirror } from "../engine/catalog-mirror";
import { firstPinned, NO_RULES, type SlotRules } from "../bandit/slate";
import { itemSignals } from "../engine/item-signals";
import type { ScoreRequest } from "../engine/ranker";
import { candidateRules } from "../engine/rules";
import { sessionVector } from "../engine/session-vector";
import type { CatalogItem } from "../state/ports";
import type { LoggedDecision } from "./log-format";
import type { LoggedState } from "./logged-state";

/** The catalog as the evaluator reads it: the service's CatalogMirror plus the items in order. */
export class EvalCatalog {
  readonly mirror: CatalogMirror;
  private everyItem: ResolvedCandidates | null = null;

  constructor(readonly items: readonly CatalogItem[]) {
    if (items.length === 0) throw new RangeError("the catalog is empty: nothing to evaluate against");
    this.mirror = new CatalogMirror(items[0]!.embedding.length);
    this.mirror.apply([...items]);
  }

  get dim(): number {
    return this.mirror.dim;
  }

  get size(): number {
    return this.items.length;
  }

  /** Every catalog item, for rows without a candidate list. */
  all(): ResolvedCandidates {
    this.everyItem ??= {
      ids: this.items.map((i) => i.itemId),
      indices: Int32Array.from(this.items, (_, i) => i),
      items: this.items,
    };
    return this.everyItem;
  }
}

/** A row's candidate set in catalog terms. */
export interface ResolvedCandidates {
  ids: readonly string[];
  /** Catalog index of each candidate. */
  indices: Int32Array;
  items: readonly CatalogItem[];
}

/** Recent distinct candidate lists kept for reuse (logs repeat a few shelves for long stretches). */
const RECENT_LISTS = 16;

/** Maps candidate id lists to catalog indices, reusing the work for a list seen recently. */
export class CandidateResolver {
  private readonly recent: ResolvedCandidates[] = [];

  constructor(private readonly catalog: EvalCatalog) {}

  /** The row's candidates, or the id that is not in the catalog. */
  resolve(ids: readonly string[] | null): ResolvedCandidates | { unknownId: string } {
    if (ids === null) return this.catalog.all();
    for (let r = 0; r < this.recent.length; r++) {
      const cached = this.recent[r]!;
      if (sameIds(cached.ids, ids)) {
        if (r > 0) this.recent.splice(0, 0, ...this.recent.splice(r, 1));
        return cached;
      }
    }
    const indices = new Int32Array(ids.length);
    const items: CatalogItem[] = new Array<CatalogItem>(ids.length);
    for (let c = 0; c < ids.length; c++) {
      const index = this.catalog.mirror.indexOf(ids[c]!);
      if (index === undefined) return { unknownId: ids[c]! };
      indices[c] = index;
      items[c] = this.catalog.items[index]!;
    }
    const resolved = { ids, indices, items };
    this.recent.unshift(resolved);
    if (this.recent.length > RECENT_LISTS) this.recent.pop();
    return resolved;
  }
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * One logged decision as policies see it: the candidates in catalog terms, where the logged item is
 * among them, and the state the service would have held (session and long-term vectors, hashed
 * context), each computed once on first use and shared by every policy.
 */
export class Decision {
  private session: Float32Array | null | undefined;
  private longTermVector: Float32Array | null | undefined;
  private hashed: HashedContext | undefined;
  private signalRows: Float64Array | undefined;
  private resolvedRules: SlotRules | undefined;

  constructor(
    /** 0-based among the evaluated rows. */
    readonly index: number,
    readonly row: LoggedDecision,
    readonly candidates: ResolvedCandidates,
    /** Position of the logged item in `candidates`. */
    readonly logged: number,
    private readonly catalog: EvalCatalog,
    private readonly state: LoggedState,
  ) {}

  get size(): number {
    return this.candidates.indices.length;
  }

  get reward(): number {
    return this.row.reward;
  }

  /** Whether the row carries the state the service scored it with (else the state is rebuilt from the log). */
  get exact(): boolean {
    return this.row.serving !== undefined;
  }

  /** The session vector `s` as served, else as the service would compute it from the rebuilt window. */
  sessionVector(): Float32Array | null {
    if (this.session === undefined)
      this.session =
        this.row.serving !== undefined
          ? this.row.serving.session
          : sessionVector(this.state.window(this.row.sessionId, this.row.tsMs), this.catalog.mirror);
    return this.session;
  }

  /** The long-term embedding `l` as served, else as rebuilt. */
  longTerm(): Float32Array | null {
    if (this.longTermVector === undefined)
      this.longTermVector =
        this.row.serving !== undefined ? this.row.serving.longTerm : this.state.longTerm(this.row.userId);
    return this.longTermVector;
  }

  /**
   * φ's item signals of every candidate: as served, else as the service computes them from the rebuilt
   * state (`itemSignals`; popularity then counts nothing, the log cannot rebuild it).
   */
  signals(): Float64Array {
    this.signalRows ??=
      this.row.serving !== undefined
        ? Float64Array.from(this.row.serving.signals)
        : itemSignals(
            this.catalog.mirror,
            this.candidates.indices,
            this.state.window(this.row.sessionId, this.row.tsMs),
            this.sessionVector(),
            this.longTerm(),
          );
    return this.signalRows;
  }

  /** What scoring reads from the row (a `ScoreRequest`). */
  scoreRequest(): ScoreRequest {
    return {
      candidates: this.candidates.items,
      session: this.sessionVector(),
      longTerm: this.longTerm(),
      context: this.hashedContext(),
      signals: this.signals(),
      boosts: this.rules().boosts,
    };
  }

  /** The row's rules in candidate terms, resolved as the service resolves a request's (`candidateRules`). */
  rules(): SlotRules {
    this.resolvedRules ??=
      this.row.rules === undefined
        ? NO_RULES
        : candidateRules(this.catalog.mirror, this.candidates.indices, this.candidates.items, this.row.rules);
    return this.resolvedRules;
  }

  /** The candidate slot 0 holds without a draw under the rules (the first pin), or −1. */
  firstPinned(): number {
    return firstPinned(this.size, this.rules());
  }

  /** The row's context hashed as the service hashes a request's (numbers as their decimal text). */
  hashedContext(): HashedContext {
    if (this.hashed === undefined) {
      const context: Record<string, string> = {};
      for (const key of Object.keys(this.row.context)) context[key] = String(this.row.context[key]);
      this.hashed = hashContext(context);
    }
    return this.hashed;
  }
}
