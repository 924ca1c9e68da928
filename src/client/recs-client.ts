import {
  Channel,
  credentials as grpcCredentials,
  Metadata,
  type ChannelCredentials,
  type ServiceError,
} from "@grpc/grpc-js";
import type { FeedbackAck__Output } from "../server/generated/recs/v1/FeedbackAck";
import type { FeedbackEvent } from "../server/generated/recs/v1/FeedbackEvent";
import type { IngestSummary__Output } from "../server/generated/recs/v1/IngestSummary";
import type { Item, Item__Output } from "../server/generated/recs/v1/Item";
import type { RecommendRequest } from "../server/generated/recs/v1/RecommendRequest";
import type { RecommendResponse__Output } from "../server/generated/recs/v1/RecommendResponse";
import type { UpsertSummary__Output } from "../server/generated/recs/v1/UpsertSummary";
import type { UserState__Output } from "../server/generated/recs/v1/UserState";
import type { DeleteUserAck__Output } from "../server/generated/recs/v1/DeleteUserAck";
import type { CatalogClient } from "../server/generated/recs/v1/Catalog";
import type { RecommenderClient } from "../server/generated/recs/v1/Recommender";
import type { ModelStatus__Output } from "../server/generated/recs/v1/ModelStatus";
import type { ReplicaClient } from "../server/generated/recs/v1/Replica";
import { loadRecsProto } from "../server/proto";

export interface RecsClientOptions {
  apiKey?: string;
  credentials?: ChannelCredentials;
  /** Per-call deadline. */
  timeoutMs?: number;
  /**
   * A connection of its own instead of the one grpc-js shares between clients of the same target (its
   * global subchannel pool): the benchmark opens several, as several storefront backends would.
   */
  ownConnection?: boolean;
}

type Callback<T> = (err: ServiceError | null, value?: T) => void;

/** A promise-based client of the recs.v1 services, over the generated stubs (used by demo, bench, tests). */
export class RecsClient {
  readonly recommender: RecommenderClient;
  readonly catalog: CatalogClient;
  readonly replica: ReplicaClient;
  private readonly timeoutMs: number;
  private readonly apiKey: string | undefined;

  constructor(target: string, options: RecsClientOptions = {}) {
    const { grpc } = loadRecsProto();
    const creds = options.credentials ?? grpcCredentials.createInsecure();
    // The stubs on one channel: the shared connection, or with ownConnection one of this client's own.
    const channelOptions = options.ownConnection
      ? { channelOverride: new Channel(target, creds, { "grpc.use_local_subchannel_pool": 1 }) }
      : {};
    this.recommender = new grpc.recs.v1.Recommender(target, creds, channelOptions);
    this.catalog = new grpc.recs.v1.Catalog(target, creds, channelOptions);
    this.replica = new grpc.recs.v1.Replica(target, creds, channelOptions);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.apiKey = options.apiKey;
  }

  metadata(extra: Record<string, string> = {}): Metadata {
    const md = new Metadata();
    if (this.apiKey) md.set("x-api-key", this.apiKey);
    for (const [k, v] of Object.entries(extra)) md.set(k, v);
    return md;
  }

  private options() {
    return { deadline: Date.now() + this.timeoutMs };
  }

  private unary<T>(
    call: (md: Metadata, opts: { deadline: number }, cb: Callback<T>) => unknown,
    md = this.metadata(),
  ): Promise<T> {
    return new Promise<T>((resolve, reject) =>
      call(md, this.options(), (err, value) => (err ? reject(err) : resolve(value as T))),
    );
  }

  recommend(request: RecommendRequest, md?: Metadata): Promise<RecommendResponse__Output> {
    return this.unary((m, o, cb) => this.recommender.Recommend(request, m, o, cb), md);
  }

  feedback(event: FeedbackEvent, md?: Metadata): Promise<FeedbackAck__Output> {
    return this.unary((m, o, cb) => this.recommender.Feedback(event, m, o, cb), md);
  }

  getUserState(userId: string, sessionId = "", md?: Metadata): Promise<UserState__Output> {
    return this.unary((m, o, cb) => this.recommender.GetUserState({ userId, sessionId }, m, o, cb), md);
  }

  /** DeleteUser: forgets the shopper everywhere (a second call answers zeros). */
  deleteUser(userId: string, md?: Metadata): Promise<DeleteUserAck__Output> {
    return this.unary((m, o, cb) => this.recommender.DeleteUser({ userId }, m, o, cb), md);
  }

  getItem(itemId: string, md?: Metadata): Promise<Item__Output> {
    return this.unary((m, o, cb) => this.catalog.GetItem({ itemId }, m, o, cb), md);
  }

  /**
   * The replica's model of `surface` (default "default"): update count and checksum (and with
   * `includeStatistics` the statistics).
   */
  modelStatus(includeStatistics = false, md?: Metadata, surface = ""): Promise<ModelStatus__Output> {
    return this.unary((m, o, cb) => this.replica.GetModelStatus({ includeStatistics, surface }, m, o, cb), md);
  }

  /** Streams the events and resolves with the server's summary. */
  ingestFeedback(events: Iterable<FeedbackEvent>, md?: Metadata): Promise<IngestSummary__Output> {
    return this.stream<FeedbackEvent, IngestSummary__Output>(
      (m, o, cb) => this.recommender.IngestFeedback(m, o, cb),
      events,
      md,
    );
  }

  upsertItems(items: Iterable<Item>, md?: Metadata): Promise<UpsertSummary__Output> {
    return this.stream<Item, UpsertSummary__Output>((m, o, cb) => this.catalog.UpsertItems(m, o, cb), items, md);
  }

  private stream<In, Out>(
    open: (
      md: Metadata,
      opts: { deadline: number },
      cb: Callback<Out>,
    ) => { write(m: In, cb?: () => void): boolean; end(): void; once(e: "drain", f: () => void): unknown },
    messages: Iterable<In>,
    md = this.metadata(),
  ): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      const call = open(md, { deadline: Date.now() + Math.max(this.timeoutMs, 120_000) }, (err, value) =>
        err ? reject(err) : resolve(value as Out),
      );
      const iterator = messages[Symbol.iterator]();
      // Respect back-pressure so a large stream does not buffer whole in memory.
      const pump = () => {
        for (;;) {
          const next = iterator.next();
          if (next.done) {
            call.end();
            return;
          }
          if (!call.write(next.value)) {
            call.once("drain", pump);
            return;
          }
        }
      };
      pump();
    });
  }

  close(): void {
    this.recommender.close();
    this.catalog.close();
    this.replica.close();
  }
}
