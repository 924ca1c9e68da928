import { performance } from "node:perf_hooks";
import { status as Status } from "@grpc/grpc-js";
import { LatencyHistogram } from "./histogram";

/** What one closed-loop run measured: latencies per RPC (all outcomes) and failures by status name. */
export interface LoopResult {
  elapsedS: number;
  calls: number;
  byRpc: Map<string, { latency: LatencyHistogram; ok: number; failed: number }>;
  errors: Map<string, number>;
}

export interface LoopOptions {
  concurrency: number;
  durationMs: number;
  /** Hard cap on calls, so a very fast target cannot make the loop run away. */
  maxCalls: number;
  /** Called about every 250 ms with the calls finished so far. */
  onProgress?: (calls: number, elapsedMs: number) => void;
}

/** One request of the workload: its RPC name and the call itself. */
export interface LoopCall {
  rpc: string;
  run: () => Promise<unknown>;
}

/**
 * Closed-loop load: `concurrency` workers, each issuing its next call only when the previous one has
 * returned, until the duration or the call cap is reached. Calls in flight at the deadline finish and
 * count; none start after it.
 */
export async function runClosedLoop(options: LoopOptions, nextCall: (worker: number) => LoopCall): Promise<LoopResult> {
  const byRpc: LoopResult["byRpc"] = new Map();
  const errors: LoopResult["errors"] = new Map();
  const started = performance.now();
  const deadline = started + options.durationMs;
  let issued = 0;
  let finished = 0;
  const progress = options.onProgress
    ? setInterval(() => options.onProgress!(finished, performance.now() - started), 250)
    : null;

  const worker = async (index: number) => {
    while (performance.now() < deadline && issued < options.maxCalls) {
      issued++;
      const call = nextCall(index);
      let stats = byRpc.get(call.rpc);
      if (!stats) byRpc.set(call.rpc, (stats = { latency: new LatencyHistogram(), ok: 0, failed: 0 }));
      const callStarted = performance.now();
      try {
        await call.run();
        stats.ok++;
      } catch (err) {
        stats.failed++;
        const code = statusNameOf(err);
        errors.set(code, (errors.get(code) ?? 0) + 1);
      }
      stats.latency.record(performance.now() - callStarted);
      finished++;
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, (_, i) => worker(i)));
  } finally {
    if (progress) clearInterval(progress);
  }
  return { elapsedS: (performance.now() - started) / 1000, calls: finished, byRpc, errors };
}

/** The gRPC status name of a failed call ("UNAVAILABLE", ...), or "CLIENT_ERROR" for anything else. */
export function statusNameOf(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === "number" && Status[code] !== undefined ? Status[code] : "CLIENT_ERROR";
}
