import { InvalidArgument } from "../errors";

/**
 * A target policy to evaluate, as named on the command line:
 * - `random`: uniform over the candidates.
 * - `popularity[:epsilon=E]`: the candidate with the most positive rewards so far (ε-greedy around it; default ε = 0).
 * - `egreedy[:epsilon=E]`: greedy on each item's online mean reward, uniform with probability ε (default 0.1).
 * - `linucb[:alpha=A,epsilon=E,session=on|off,longterm=on|off]`: the service's own policy
 *   (defaults α = 0.5, ε = 0.05, both state features on: fixed, so that a spec names one policy
 *   whatever the environment; `live` is the one with the service's settings).
 * On the command line `live[:alpha=A,epsilon=E]` also names the service's own policy (see `PolicyArg`).
 */
export type EvalPolicySpec =
  | { kind: "random" }
  | { kind: "popularity"; epsilon: number }
  | { kind: "egreedy"; epsilon: number }
  | { kind: "linucb"; alpha: number; epsilon: number; session: boolean; longTerm: boolean };

/**
 * A policy as the command line names it: a spec, or `live`: the service's own, with the surface's
 * settings in force (its newest settings record, else RECS_ALPHA / RECS_EPSILON), the ones given here
 * replacing them: `live:alpha=0.1` is "the service's learning, scored with α = 0.1" (`recs promote`).
 */
export type PolicyArg = EvalPolicySpec | LiveArg;

/** `live`, with the settings it overrides. */
export interface LiveArg {
  kind: "live";
  alpha?: number;
  epsilon?: number;
  /** Feature switches (`StateSwitches`): `session=off` scores as if the shopper had no session. */
  session?: boolean;
  longTerm?: boolean;
  /** The surface's default category cap (it does not change slot 0, so not the estimates). */
  maxPerCategory?: number;
}

/** What `live:...` can set: the settings a surface's settings record holds. */
const LIVE_SETTINGS = ["alpha", "epsilon", "session", "longterm", "max_per_category"];

/**
 * Parses a `--policy` value: `live[:alpha=A,epsilon=E,session=on|off,longterm=on|off,max_per_category=N]`,
 * or a spec as `parsePolicySpec` reads it.
 */
export function parsePolicyArg(text: string): PolicyArg {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === "live") return { kind: "live" };
  if (trimmed.toLowerCase().startsWith("live:")) {
    const values = keyValues(text, trimmed.slice(5), LIVE_SETTINGS, "live");
    const live: LiveArg = { kind: "live" };
    if (values.has("alpha")) live.alpha = numberIn(text, "alpha", values.get("alpha"), 0, 0, 100);
    if (values.has("epsilon")) live.epsilon = numberIn(text, "epsilon", values.get("epsilon"), 0, 0, 1);
    if (values.has("session")) live.session = onOff(text, "session", values.get("session"));
    if (values.has("longterm")) live.longTerm = onOff(text, "longterm", values.get("longterm"));
    if (values.has("max_per_category")) {
      const cap = numberIn(text, "max_per_category", values.get("max_per_category"), 0, 0, 100);
      if (!Number.isInteger(cap))
        throw new InvalidArgument(`policy "${text}": max_per_category must be a whole number`);
      live.maxPerCategory = cap;
    }
    return live;
  }
  return parsePolicySpec(text);
}

/** The `key=value,...` of a spec, each key one of `allowed`. */
function keyValues(text: string, body: string, allowed: readonly string[], kind: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const part of body
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [key, value, extra] = part.split("=").map((p) => p.trim());
    if (key === undefined || value === undefined || value === "" || extra !== undefined)
      throw new InvalidArgument(`policy "${text}": "${part}" is not key=value`);
    const name = key.toLowerCase();
    if (!allowed.includes(name))
      throw new InvalidArgument(
        `policy "${text}": "${key}" is not a setting of ${kind}; ` +
          `it takes ${allowed.length > 0 ? allowed.join(", ") : "no settings"}`,
      );
    values.set(name, value);
  }
  return values;
}

const KEYS: Record<EvalPolicySpec["kind"], readonly string[]> = {
  random: [],
  popularity: ["epsilon"],
  egreedy: ["epsilon"],
  linucb: ["alpha", "epsilon", "session", "longterm"],
};

/** Parses `kind[:key=value,...]`; a bad spec throws InvalidArgument saying what is accepted. */
export function parsePolicySpec(text: string): EvalPolicySpec {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(":");
  const kind = (colon < 0 ? trimmed : trimmed.slice(0, colon)).toLowerCase();
  if (!(kind in KEYS))
    throw new InvalidArgument(
      `policy "${text}": unknown kind "${kind}"; use random, popularity, egreedy or linucb ` +
        "(e.g. linucb:alpha=0.5,epsilon=0.05,session=on,longterm=on), or live with --from-db",
    );
  const values = keyValues(text, colon < 0 ? "" : trimmed.slice(colon + 1), KEYS[kind as EvalPolicySpec["kind"]], kind);
  const epsilon = (fallback: number) => numberIn(text, "epsilon", values.get("epsilon"), fallback, 0, 1);
  switch (kind as EvalPolicySpec["kind"]) {
    case "random":
      return { kind: "random" };
    case "popularity":
      return { kind: "popularity", epsilon: epsilon(0) };
    case "egreedy":
      return { kind: "egreedy", epsilon: epsilon(0.1) };
    case "linucb":
      return {
        kind: "linucb",
        alpha: numberIn(text, "alpha", values.get("alpha"), 0.5, 0, 100),
        epsilon: epsilon(0.05),
        session: onOff(text, "session", values.get("session")),
        longTerm: onOff(text, "longterm", values.get("longterm")),
      };
  }
}

/** The canonical name of a spec, every setting spelled out: what reports show. */
export function policySpecName(spec: EvalPolicySpec): string {
  switch (spec.kind) {
    case "random":
      return "random";
    case "popularity":
      return spec.epsilon === 0 ? "popularity" : `popularity:epsilon=${spec.epsilon}`;
    case "egreedy":
      return `egreedy:epsilon=${spec.epsilon}`;
    case "linucb":
      return (
        `linucb:alpha=${spec.alpha},epsilon=${spec.epsilon},` +
        `session=${spec.session ? "on" : "off"},longterm=${spec.longTerm ? "on" : "off"}`
      );
  }
}

function numberIn(
  text: string,
  key: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new InvalidArgument(`policy "${text}": ${key} must be a number in [${min}, ${max}], got "${raw}"`);
  return value;
}

function onOff(text: string, key: string, raw: string | undefined): boolean {
  if (raw === undefined) return true;
  const lower = raw.toLowerCase();
  if (["on", "true", "1", "yes"].includes(lower)) return true;
  if (["off", "false", "0", "no"].includes(lower)) return false;
  throw new InvalidArgument(`policy "${text}": ${key} must be on or off, got "${raw}"`);
}
