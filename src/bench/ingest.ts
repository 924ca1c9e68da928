import { performance } from "node:perf_hooks";
import type { RecsClient } from "../client/recs-client";
import type { FeedbackEvent } from "../server/generated/recs/v1/FeedbackEvent";
import { statusNameOf } from "./closed-loop";
import { LatencyHistogram } from "./histogram";

export interface IngestOptions {
  streams: number;
  eventsPerStream: number;
  durationMs: number;
  /** Hard cap on events sent in total. */
  maxEvents: number;
  onProgress?: (accepted: number, elapsedMs: number) => void;
}

export interface IngestResult {
  elapsedS: number;
  streamsCompleted: number;
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Accepted events per second: each counted only once its stream's summary (sent after the durable write) arrived. */
  acceptedPerS: number;
  /** Time from opening a stream to its summary. */
  streamLatency: LatencyHistogram;
  errors: Map<string, number>;
}

/**
 * Several concurrent IngestFeedback streams of `eventsPerStream` events each, opened one after another
 * per stream slot until the duration is over; throughput counts only acknowledged events. Stream slot
 * i uses connection i mod the count.
 */
export async function runIngest(
  connections: readonly RecsClient[],
  nextEvent: () => FeedbackEvent,
  options: IngestOptions,
): Promise<IngestResult> {
  const result: IngestResult = {
    elapsedS: 0,
    streamsCompleted: 0,
    sent: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    acceptedPerS: 0,
    streamLatency: new LatencyHistogram(),
    errors: new Map(),
  };
  const started = performance.now();
  const deadline = started + options.durationMs;
  const progress = options.onProgress
    ? setInterval(() => options.onProgress!(result.accepted, performance.now() - started), 250)
    : null;

  const slot = async (index: number) => {
    const client = connections[index % connections.length]!;
    while (performance.now() < deadline && result.sent < options.maxEvents) {
      const count = Math.min(options.eventsPerStream, options.maxEvents - result.sent);
      result.sent += count;
      const events = (function* () {
        for (let i = 0; i < count; i++) yield nextEvent();
      })();
      const streamStarted = performance.now();
      try {
        const summary = await client.ingestFeedback(events);
        result.accepted += Number(summary.accepted);
        result.duplicates += Number(summary.duplicates);
        result.rejected += Number(summary.rejected);
        result.streamsCompleted++;
      } catch (err) {
        const code = statusNameOf(err);
        result.errors.set(code, (result.errors.get(code) ?? 0) + 1);
      }
      result.streamLatency.record(performance.now() - streamStarted);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.streams }, (_, i) => slot(i)));
  } finally {
    if (progress) clearInterval(progress);
  }
  result.elapsedS = (performance.now() - started) / 1000;
  result.acceptedPerS = result.accepted / result.elapsedS;
  return result;
}
