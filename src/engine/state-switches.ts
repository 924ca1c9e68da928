import { SIGNAL_COUNT, SIGNALS, type StateVector } from "../bandit/features";

/**
 * A surface's feature switches (its settings record): with `session` off φ is built as if the shopper had
 * no session (no `s`, no session signals), with `longTerm` off as if they had no profile. Retrieval still
 * uses both: the switches change how candidates are scored, not which are. The model keeps its layout,
 * so a switch takes effect at once and can be undone; the statistics learned with the part on stay.
 */
export interface StateSwitches {
  session?: boolean;
  longTerm?: boolean;
}

/** The state φ is built from. */
export interface ScoredState {
  session: StateVector;
  longTerm: StateVector;
  /** Item signals, SIGNAL_COUNT per candidate (`itemSignals`), when φ has them. */
  signals?: Float64Array;
}

/** Whether the switches turn any part off. */
export function switchesOff(switches: StateSwitches): boolean {
  return switches.session === false || switches.longTerm === false;
}

/**
 * The state as the switches let φ see it: a part switched off is null and its signals 0. `signals` is
 * changed in place when `inPlace`, else copied first. The service and the evaluator's `live` both mask
 * here, so a logged decision replays under the same φ.
 */
export function maskState<T extends ScoredState>(state: T, switches: StateSwitches, inPlace: boolean): T {
  if (!switchesOff(switches)) return state;
  const signals = inPlace || state.signals === undefined ? state.signals : state.signals.slice();
  const session = switches.session === false;
  const longTerm = switches.longTerm === false;
  for (let at = 0; signals !== undefined && at < signals.length; at += SIGNAL_COUNT) {
    if (session) {
      signals[at + SIGNALS.sessionCategory] = 0;
      signals[at + SIGNALS.sessionCentroid] = 0;
    }
    if (longTerm) signals[at + SIGNALS.longTermCentroid] = 0;
  }
  return {
    ...state,
    session: session ? null : state.session,
    longTerm: longTerm ? null : state.longTerm,
    ...(signals === undefined ? {} : { signals }),
  };
}
