/** The RPCs a load mix can contain. */
export const MIX_RPCS = ["recommend", "feedback", "user_state"] as const;
export type MixRpc = (typeof MIX_RPCS)[number];

/** Shares of each RPC in the load, summing to 1. */
export type Mix = Readonly<Record<MixRpc, number>>;

/** Parses `recommend=0.8,feedback=0.2` (weights are normalised; unnamed RPCs get 0). */
export function parseMix(text: string): Mix {
  const weights: Record<MixRpc, number> = { recommend: 0, feedback: 0, user_state: 0 };
  for (const part of text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, value] = part.split("=").map((p) => p.trim());
    const weight = Number(value);
    if (
      !name ||
      !(MIX_RPCS as readonly string[]).includes(name) ||
      value === undefined ||
      !Number.isFinite(weight) ||
      weight < 0
    ) {
      throw new Error(`--mix: "${part}" is not RPC=WEIGHT with RPC one of ${MIX_RPCS.join(", ")} and WEIGHT ≥ 0`);
    }
    weights[name as MixRpc] += weight;
  }
  const total = MIX_RPCS.reduce((sum, rpc) => sum + weights[rpc], 0);
  if (total <= 0) throw new Error(`--mix: give at least one positive weight, e.g. recommend=0.8,feedback=0.2`);
  for (const rpc of MIX_RPCS) weights[rpc] /= total;
  return Object.freeze(weights);
}

/** Picks an RPC of the mix for a uniform draw `u` in [0, 1). */
export function pickRpc(mix: Mix, u: number): MixRpc {
  let acc = 0;
  for (const rpc of MIX_RPCS) {
    acc += mix[rpc];
    if (u < acc) return rpc;
  }
  return MIX_RPCS.filter((rpc) => mix[rpc] > 0).at(-1)!;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** Whether a host name is this machine: the benchmark generates load only against loopback. */
export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Checks `HOST:PORT` and that HOST is loopback; returns it unchanged. */
export function checkTarget(target: string): string {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(target);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535)
    throw new Error(`--target must be HOST:PORT, e.g. 127.0.0.1:50051, got "${target}"`);
  if (!isLoopback(match[1]!))
    throw new Error(`--target ${target}: the benchmark only loads this machine (127.0.0.1, ::1 or localhost)`);
  return target;
}

/** Checks that a Redis or Postgres URL points at this machine (the floor hammers it too). */
export function checkLoopbackUrl(flag: string, url: string): string {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw new Error(`${flag} must be a URL, got "${url}"`);
  }
  if (!isLoopback(host))
    throw new Error(`${flag}: the baseline only loads servers on this machine, got host "${host}"`);
  return url;
}
