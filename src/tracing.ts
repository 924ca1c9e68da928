import { register } from "node:module";

/** A running trace pipeline. */
export interface Tracing {
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

let running: Tracing | null = null;

/** Flushes and stops the pipeline `startTracing` started, if any (at shutdown). */
export async function stopTracing(): Promise<void> {
  const tracing = running;
  running = null;
  await tracing?.shutdown().catch(() => undefined);
}

/**
 * OpenTelemetry traces, on only when OTEL_EXPORTER_OTLP_ENDPOINT (or the traces-only
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set: the gRPC server calls, and the ioredis and pg calls made
 * within them, exported over OTLP (OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf by default, http/json or
 * grpc; the other OTEL_* variables as the SDK reads them). Must run before @grpc/grpc-js, ioredis and
 * pg are first imported: the instrumentations patch them as they load, through the ESM loader hook
 * registered here.
 */
export async function startTracing(env: NodeJS.ProcessEnv = process.env): Promise<Tracing | null> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return null;
  register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);
  const [{ NodeSDK }, { GrpcInstrumentation }, { IORedisInstrumentation }, { PgInstrumentation }] = await Promise.all([
    import("@opentelemetry/sdk-node"),
    import("@opentelemetry/instrumentation-grpc"),
    import("@opentelemetry/instrumentation-ioredis"),
    import("@opentelemetry/instrumentation-pg"),
  ]);
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? "recs",
    instrumentations: [
      // Health checks and reflection are noise in a trace view; the recs.v1 calls are what matter.
      new GrpcInstrumentation({ ignoreGrpcMethods: [/^Check$/, /^Watch$/, /^ServerReflectionInfo$/] }),
      // Only inside a traced call: the background sweeps and the model stream would flood the exporter.
      new IORedisInstrumentation({ requireParentSpan: true }),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  running = { shutdown: () => sdk.shutdown() };
  return running;
}
