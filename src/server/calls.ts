import { trace } from "@opentelemetry/api";
import { randomUUID, timingSafeEqual, createHash } from "node:crypto";
import {
  Metadata,
  status as Status,
  type handleClientStreamingCall,
  type handleUnaryCall,
  type ServerReadableStream,
  type ServerUnaryCall,
  type sendUnaryData,
} from "@grpc/grpc-js";
import { ResourceExhausted, Unauthenticated } from "../errors";
import type { Logger } from "../log";
import type { ServerMetrics } from "./metrics";
import { statusName, toServiceError } from "./status";

/** What every call shares: its name, request id and a logger bound to both. */
export interface CallContext {
  method: string;
  requestId: string;
  log: Logger;
}

/** Cross-cutting concerns applied to every RPC (auth, limits, request ids, logging, metrics, errors). */
export interface CallPolicy {
  logger: Logger;
  metrics: ServerMetrics;
  /** Hashes of the accepted API keys; empty = no auth. */
  apiKeyHashes: Buffer[];
  maxInFlight: number;
}

export function hashApiKey(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}

/** Compares the presented key with every configured key in constant time (hashes are equal length). */
export function authorized(policy: CallPolicy, metadata: Metadata): boolean {
  if (policy.apiKeyHashes.length === 0) return true;
  const presented = metadata.get("x-api-key")[0];
  if (typeof presented !== "string" || presented.length === 0) return false;
  const hash = hashApiKey(presented);
  let ok = false;
  for (const expected of policy.apiKeyHashes) ok = timingSafeEqual(hash, expected) || ok;
  return ok;
}

function requestIdOf(metadata: Metadata): string {
  const given = metadata.get("x-request-id")[0];
  return typeof given === "string" && given.length > 0 && given.length <= 128 ? given : randomUUID();
}

/** Counts calls in flight; beyond the bound a call is refused rather than queued without limit. */
class InFlight {
  count = 0;
}
const inFlightByPolicy = new WeakMap<CallPolicy, InFlight>();

/** How many of this policy's calls are running now (for draining). */
export function callsInFlight(policy: CallPolicy): number {
  return inFlightByPolicy.get(policy)?.count ?? 0;
}

async function run<Res>(
  policy: CallPolicy,
  method: string,
  call: ServerUnaryCall<unknown, Res> | ServerReadableStream<unknown, Res>,
  body: (ctx: CallContext) => Promise<Res>,
  callback: sendUnaryData<Res>,
): Promise<void> {
  const started = process.hrtime.bigint();
  const requestId = requestIdOf(call.metadata);
  // The gRPC instrumentation's server span, when tracing is on: the request id joins logs and traces.
  trace.getActiveSpan()?.setAttribute("recs.request_id", requestId);
  // The call's logger is made when first used: most calls log nothing at the default level.
  let log: Logger | undefined;
  const ctx: CallContext = {
    method,
    requestId,
    get log() {
      return (log ??= policy.logger.child({ method, requestId }));
    },
  };
  let inFlight = inFlightByPolicy.get(policy);
  if (!inFlight) inFlightByPolicy.set(policy, (inFlight = new InFlight()));
  // The request id goes back in the response headers, sent with the answer (one write instead of two).
  const echo = new Metadata();
  echo.set("x-request-id", requestId);
  let code: Status = Status.OK;
  let entered = false;
  try {
    if (!authorized(policy, call.metadata)) throw new Unauthenticated("missing or unknown x-api-key metadata");
    if (inFlight.count >= policy.maxInFlight)
      throw new ResourceExhausted(
        `server is at its limit of ${policy.maxInFlight} calls in flight (RECS_MAX_IN_FLIGHT); retry with backoff`,
      );
    inFlight.count++;
    entered = true;
    const response = await body(ctx);
    const trailer = new Metadata();
    trailer.set("x-request-id", requestId);
    call.sendMetadata(echo);
    callback(null, response, trailer);
  } catch (err) {
    const serviceError = toServiceError(err, ctx.log, requestId);
    code = serviceError.code;
    call.sendMetadata(echo);
    callback(serviceError);
  } finally {
    if (entered) inFlight.count--;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const codeName = statusName(code);
    policy.metrics.rpcDuration.observe({ method, code: codeName }, seconds);
    policy.metrics.rpcTotal.inc({ method, code: codeName });
    if (policy.logger.isLevelEnabled("debug"))
      ctx.log.debug({ code: codeName, ms: Math.round(seconds * 1e4) / 10 }, "call done");
  }
}

/** Wraps a unary handler with the call policy. */
export function unary<Req, Res>(
  policy: CallPolicy,
  method: string,
  body: (request: Req, ctx: CallContext) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => void run(policy, method, call, (ctx) => body(call.request, ctx), callback);
}

/** Wraps a client-streaming handler with the call policy; the body consumes the stream. */
export function clientStream<Req, Res>(
  policy: CallPolicy,
  method: string,
  body: (stream: AsyncIterable<Req>, ctx: CallContext) => Promise<Res>,
): handleClientStreamingCall<Req, Res> {
  return (call, callback) => void run(policy, method, call, (ctx) => body(call, ctx), callback);
}
