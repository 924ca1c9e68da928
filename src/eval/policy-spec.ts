import { InvalidArgument } from "../errors";

/**
 * A target policy to evaluate, as named on the command line:
 * - `random`: uniform over the candidates.
 * - `popularity[:epsilon=E]`: the candidate with the most positive rewards so far (ε-greedy around it; default ε = 0).
 * - `egreedy[:epsilon=E]`: greedy on each item's online mean reward, uniform with probability ε (default 0.1).
 * - `linucb[:alpha=A,epsilon=E,session=on|off,longterm=on|off]`: the service's own policy
 *   (defaults α = 0.5, ε = 0.05, both state features on: fixed, so that a spec names one policy
 *   whatever the environment; `live` is the one with the service's settings).
 * On the command line `live` also names the service's own policy as configured (see `PolicyArg`).
 */
export type EvalPolicySpec =
  | { kind: "random" }
  | { kind: "popularity"; epsilon: number }
  | { kind: "egreedy"; epsilon: number }
  | { kind: "linucb"; alpha: number; epsilon: number; session: boolean; longTerm: boolean };

/** A policy as the command line names it: a spec, or `live` (the service's own, resolved from its config). */
export type PolicyArg = EvalPolicySpec | { kind: "live" };

/** Parses a `--policy` value: `live`, or a spec as `parsePolicySpec` reads it. */
export function parsePolicyArg(text: string): PolicyArg {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === "live") return { kind: "live" };
  if (trimmed.toLowerCase().startsWith("live:"))
    throw new InvalidArgument(
      `policy "${text}": live takes no settings, it is the service's own (RECS_ALPHA, RECS_EPSILON, RECS_PRIOR_*); ` +
        "set those in the environment, or name a linucb spec",
    );
  return parsePolicySpec(text);
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
  const allowed = KEYS[kind as EvalPolicySpec["kind"]];
  const values = new Map<string, string>();
  const body = colon < 0 ? "" : trimmed.slice(colon + 1);
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
