import { checkSurface } from "../engine/surfaces";
import { InvalidArgument, NotFound } from "../errors";
import { checkId, type RawItem } from "../engine/item-validation";
import type { Engine, StreamEntry } from "../engine/engine";
import type { CatalogHandlers } from "./generated/recs/v1/Catalog";
import type { FeedbackEvent__Output } from "./generated/recs/v1/FeedbackEvent";
import type { Item, Item__Output } from "./generated/recs/v1/Item";
import type { ModelStatus } from "./generated/recs/v1/ModelStatus";
import type { RecommenderHandlers } from "./generated/recs/v1/Recommender";
import type { ReplicaHandlers } from "./generated/recs/v1/Replica";
import { clientStream, unary, type CallPolicy } from "./calls";
import { toDeleteUserId, toFeedbackInput, toRecommendInput, toUserStateQuery, WIRE_BY_KIND } from "./validation";

/** The engine once it is loaded; until then `ready()` refuses with UNAVAILABLE. */
export interface EngineSource {
  ready(): Engine;
}

/** Thin handlers: decode, validate, call one engine function, encode. */
export function recommenderHandlers(engines: EngineSource, policy: CallPolicy): RecommenderHandlers {
  return {
    Recommend: unary(policy, "Recommend", async (request) => {
      const out = await engines.ready().recommend(toRecommendInput(request));
      return {
        recommendationId: out.recommendationId,
        items: out.items,
        modelVersion: out.modelVersion,
        degraded: out.degraded,
        unplacedPinnedIds: out.unplacedPinnedIds,
      };
    }),
    Feedback: unary(policy, "Feedback", async (event: FeedbackEvent__Output) => {
      const engine = engines.ready();
      return engine.feedback(toFeedbackInput(event, { nowMs: Date.now(), retentionDays: engine.eventRetentionDays }));
    }),
    IngestFeedback: clientStream(policy, "IngestFeedback", async (stream: AsyncIterable<FeedbackEvent__Output>) => {
      const engine = engines.ready();
      return engine.ingestFeedback(
        mapStream(
          stream,
          (event) => event.eventId,
          (event) => toFeedbackInput(event, { nowMs: Date.now(), retentionDays: engine.eventRetentionDays }),
        ),
      );
    }),
    GetUserState: unary(policy, "GetUserState", async (request) => {
      const query = toUserStateQuery(request);
      const state = await engines.ready().userState(query.userId, query.sessionId);
      return {
        userId: state.userId,
        longTermEmbedding: state.longTermEmbedding,
        interactionCount: state.interactionCount,
        session: state.session.map((e) => ({ itemId: e.itemId, type: WIRE_BY_KIND[e.type] as never, atMs: e.atMs })),
        updatedAtMs: state.updatedAtMs,
      };
    }),
    DeleteUser: unary(policy, "DeleteUser", async (request) => {
      const done = await engines.ready().forgetUser(toDeleteUserId(request));
      return {
        eventsDeleted: String(done.eventsDeleted),
        sessionsDeleted: String(done.sessionsDeleted),
        modelUpdated: done.modelUpdated,
      };
    }),
  };
}

export function catalogHandlers(engines: EngineSource, policy: CallPolicy): CatalogHandlers {
  return {
    UpsertItems: clientStream(policy, "UpsertItems", async (stream: AsyncIterable<Item__Output>) => {
      const summary = await engines.ready().upsertItems(mapStream(stream, (item) => item.itemId, wireToRawItem));
      return {
        received: summary.received,
        upserted: summary.accepted,
        rejected: summary.rejected,
        rejections: summary.rejections,
      };
    }),
    GetItem: unary(policy, "GetItem", async (request): Promise<Item> => {
      const item = engines.ready().getItem(checkId("item_id", request.itemId));
      if (!item) throw new NotFound(`item_id "${request.itemId}" is not in the catalog`);
      return {
        itemId: item.itemId,
        embedding: Array.from(item.embedding),
        category: item.category,
        attributes: item.attributes,
        available: item.available,
      };
    }),
  };
}

export function replicaHandlers(engines: EngineSource, policy: CallPolicy): ReplicaHandlers {
  return {
    GetModelStatus: unary(policy, "GetModelStatus", async (request): Promise<ModelStatus> => {
      const status = engines.ready().modelStatus(request.includeStatistics, checkSurface("surface", request.surface));
      return {
        updateCount: String(status.updateCount),
        checksum: status.checksum,
        logPosition: status.logPosition,
        modelVersion: status.modelVersion,
        statistics: status.statistics ? Buffer.from(status.statistics) : Buffer.alloc(0),
        surface: status.surface,
        settingsVersion: status.settingsVersion,
        alpha: status.alpha,
        epsilon: status.epsilon,
      };
    }),
  };
}

function wireToRawItem(item: Item__Output): RawItem {
  return {
    itemId: item.itemId,
    embedding: item.embedding,
    category: item.category,
    attributes: item.attributes,
    available: item.available,
  };
}

/** Decodes each stream message; a message that fails validation becomes a rejection, not an error. */
async function* mapStream<In, Out>(
  stream: AsyncIterable<In>,
  idOf: (message: In) => string,
  decode: (message: In) => Out,
): AsyncIterable<StreamEntry<Out>> {
  for await (const message of stream) {
    let entry: StreamEntry<Out>;
    try {
      entry = { id: idOf(message), value: decode(message) };
    } catch (err) {
      if (!(err instanceof InvalidArgument)) throw err;
      entry = { id: idOf(message), error: err.message };
    }
    yield entry;
  }
}
