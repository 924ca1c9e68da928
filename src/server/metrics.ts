import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** RPC-level metrics; engine and store metrics register on the same registry. */
export class ServerMetrics {
  readonly registry: Registry;
  readonly rpcDuration: Histogram<"method" | "code">;
  readonly rpcTotal: Counter<"method" | "code">;

  constructor(registry = new Registry(), withDefaults = true) {
    this.registry = registry;
    if (withDefaults) collectDefaultMetrics({ register: registry, prefix: "recs_process_" });
    this.rpcDuration = new Histogram({
      name: "recs_rpc_duration_seconds",
      help: "RPC latency by method and status code",
      labelNames: ["method", "code"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    this.rpcTotal = new Counter({
      name: "recs_rpc_total",
      help: "RPCs by method and status code",
      labelNames: ["method", "code"],
      registers: [registry],
    });
  }
}
