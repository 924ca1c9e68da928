import { SpanStatusCode, trace } from "@opentelemetry/api";

const tracer = trace.getTracer("recs");

/**
 * Runs a store call as a child span of the traced call it serves (named "session_store read_window"
 * and the like, whatever adapter is behind the port, so embedded stores show up too). Without a
 * recording span (tracing off, a call the sampler left out, or background work) it is the bare call.
 */
export function inStoreSpan<T>(store: string, operation: string, call: () => Promise<T>): Promise<T> {
  if (!trace.getActiveSpan()?.isRecording()) return call();
  return tracer.startActiveSpan(
    `${store} ${operation}`,
    { attributes: { "recs.store": store, "recs.store.operation": operation } },
    async (span) => {
      try {
        return await call();
      } catch (err) {
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
