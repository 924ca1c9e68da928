import { setTimeout as sleep } from "node:timers/promises";
import { describeError } from "../../errors";
import type { Logger } from "../../log";
import type { ModelUpdate, ModelUpdateBus } from "../ports";
import { decodeModelUpdates, encodeModelUpdates } from "./model-update-codec";
import { luaScript, type RedisClient, type StreamEntry } from "./redis-client";
import type { RedisKeys } from "./redis-keys";

/** Appends a batch, trims the stream approximately (cheap) and keeps it alive while anyone publishes. */
const PUBLISH = luaScript(`
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'r', ARGV[2], 'u', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return id
`);

/** Entries kept in the stream; a replica further behind than this rebuilds from a snapshot instead. */
const STREAM_MAX_ENTRIES = 100_000;
/** The stream outlives a day without publishers; the event log, not the stream, is the durable copy. */
const STREAM_TTL_MS = 24 * 3600_000;
/** How long one XREAD waits; bounds how late `close` notices a quiet stream (close also cuts it short). */
const READ_BLOCK_MS = 5_000;
const READ_COUNT = 100;

export interface RedisModelBusOptions {
  /** Tags this replica's batches so it can skip them when they come back. */
  replicaId: string;
  logger: Logger;
  onCorrupt: (what: string) => void;
}

/**
 * Model updates over a Redis Stream. Publishing uses the shared connection; subscribing runs an XREAD
 * BLOCK loop on a dedicated connection of its own, which it closes on `close`.
 */
export class RedisModelBus implements ModelUpdateBus {
  private readonly handlers: Array<(updates: ModelUpdate[]) => void> = [];
  private readonly stopping = new AbortController();
  private reader: { connection: RedisClient; loop: Promise<void> } | null = null;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly options: RedisModelBusOptions,
  ) {}

  async publish(updates: ModelUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    await this.redis.runScript(
      PUBLISH,
      [this.keys.modelUpdates],
      [STREAM_MAX_ENTRIES, this.options.replicaId, encodeModelUpdates(updates), STREAM_TTL_MS],
    );
  }

  subscribe(onUpdates: (updates: ModelUpdate[]) => void): void {
    if (this.stopping.signal.aborted) return;
    this.handlers.push(onUpdates);
    if (this.reader) return;
    const connection = this.redis.duplicateForBlocking();
    this.reader = { connection, loop: this.readLoop(connection) };
  }

  async close(): Promise<void> {
    this.stopping.abort();
    if (!this.reader) return;
    // Cutting the connection ends a blocked XREAD at once.
    await this.reader.connection.close();
    await this.reader.loop;
  }

  private async readLoop(connection: RedisClient): Promise<void> {
    // Pinned on the first successful read, so entries published during a later outage are not skipped.
    let lastId: string | null = null;
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      try {
        // "0-0" on an empty stream: everything in it will be newer than this subscription.
        lastId ??= (await connection.lastStreamId(this.keys.modelUpdates)) ?? "0-0";
        const entries = await connection.readStream(this.keys.modelUpdates, lastId, READ_BLOCK_MS, READ_COUNT);
        failures = 0;
        for (const entry of entries) {
          lastId = entry.id;
          this.deliver(entry);
        }
      } catch (err) {
        if (this.stopping.signal.aborted) return;
        if (failures === 0)
          this.options.logger.warn({ err: describeError(err) }, "model update stream read failed; retrying");
        failures++;
        await sleep(Math.min(100 * 2 ** Math.min(failures, 5), 2_000), undefined, {
          signal: this.stopping.signal,
        }).catch(() => undefined);
      }
    }
  }

  private deliver(entry: StreamEntry): void {
    const replica = entry.fields.get("r")?.toString("utf8");
    if (replica === this.options.replicaId) return;
    const payload = entry.fields.get("u");
    let updates: ModelUpdate[];
    try {
      if (payload === undefined) throw new Error("entry has no payload");
      updates = decodeModelUpdates(payload);
    } catch (err) {
      this.options.onCorrupt("model_update_batch");
      this.options.logger.warn(
        { entryId: entry.id, err: describeError(err) },
        "skipped undecodable model update batch",
      );
      return;
    }
    for (const handler of this.handlers) {
      try {
        handler(updates);
      } catch (err) {
        this.options.logger.error({ err: describeError(err) }, "model update subscriber threw");
      }
    }
  }
}
