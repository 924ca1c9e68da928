import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Boost as _recs_v1_Boost, Boost__Output as _recs_v1_Boost__Output } from './recs/v1/Boost';
import type { CatalogClient as _recs_v1_CatalogClient, CatalogDefinition as _recs_v1_CatalogDefinition } from './recs/v1/Catalog';
import type { DeleteUserAck as _recs_v1_DeleteUserAck, DeleteUserAck__Output as _recs_v1_DeleteUserAck__Output } from './recs/v1/DeleteUserAck';
import type { DeleteUserRequest as _recs_v1_DeleteUserRequest, DeleteUserRequest__Output as _recs_v1_DeleteUserRequest__Output } from './recs/v1/DeleteUserRequest';
import type { FeedbackAck as _recs_v1_FeedbackAck, FeedbackAck__Output as _recs_v1_FeedbackAck__Output } from './recs/v1/FeedbackAck';
import type { FeedbackEvent as _recs_v1_FeedbackEvent, FeedbackEvent__Output as _recs_v1_FeedbackEvent__Output } from './recs/v1/FeedbackEvent';
import type { GetItemRequest as _recs_v1_GetItemRequest, GetItemRequest__Output as _recs_v1_GetItemRequest__Output } from './recs/v1/GetItemRequest';
import type { GetModelStatusRequest as _recs_v1_GetModelStatusRequest, GetModelStatusRequest__Output as _recs_v1_GetModelStatusRequest__Output } from './recs/v1/GetModelStatusRequest';
import type { GetUserStateRequest as _recs_v1_GetUserStateRequest, GetUserStateRequest__Output as _recs_v1_GetUserStateRequest__Output } from './recs/v1/GetUserStateRequest';
import type { IngestSummary as _recs_v1_IngestSummary, IngestSummary__Output as _recs_v1_IngestSummary__Output } from './recs/v1/IngestSummary';
import type { Item as _recs_v1_Item, Item__Output as _recs_v1_Item__Output } from './recs/v1/Item';
import type { ModelStatus as _recs_v1_ModelStatus, ModelStatus__Output as _recs_v1_ModelStatus__Output } from './recs/v1/ModelStatus';
import type { RecommendRequest as _recs_v1_RecommendRequest, RecommendRequest__Output as _recs_v1_RecommendRequest__Output } from './recs/v1/RecommendRequest';
import type { RecommendResponse as _recs_v1_RecommendResponse, RecommendResponse__Output as _recs_v1_RecommendResponse__Output } from './recs/v1/RecommendResponse';
import type { RecommendedItem as _recs_v1_RecommendedItem, RecommendedItem__Output as _recs_v1_RecommendedItem__Output } from './recs/v1/RecommendedItem';
import type { RecommenderClient as _recs_v1_RecommenderClient, RecommenderDefinition as _recs_v1_RecommenderDefinition } from './recs/v1/Recommender';
import type { Rejection as _recs_v1_Rejection, Rejection__Output as _recs_v1_Rejection__Output } from './recs/v1/Rejection';
import type { ReplicaClient as _recs_v1_ReplicaClient, ReplicaDefinition as _recs_v1_ReplicaDefinition } from './recs/v1/Replica';
import type { ScoreParts as _recs_v1_ScoreParts, ScoreParts__Output as _recs_v1_ScoreParts__Output } from './recs/v1/ScoreParts';
import type { SessionEvent as _recs_v1_SessionEvent, SessionEvent__Output as _recs_v1_SessionEvent__Output } from './recs/v1/SessionEvent';
import type { UpsertSummary as _recs_v1_UpsertSummary, UpsertSummary__Output as _recs_v1_UpsertSummary__Output } from './recs/v1/UpsertSummary';
import type { UserState as _recs_v1_UserState, UserState__Output as _recs_v1_UserState__Output } from './recs/v1/UserState';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  recs: {
    v1: {
      Boost: MessageTypeDefinition<_recs_v1_Boost, _recs_v1_Boost__Output>
      Catalog: SubtypeConstructor<typeof grpc.Client, _recs_v1_CatalogClient> & { service: _recs_v1_CatalogDefinition }
      DeleteUserAck: MessageTypeDefinition<_recs_v1_DeleteUserAck, _recs_v1_DeleteUserAck__Output>
      DeleteUserRequest: MessageTypeDefinition<_recs_v1_DeleteUserRequest, _recs_v1_DeleteUserRequest__Output>
      FeedbackAck: MessageTypeDefinition<_recs_v1_FeedbackAck, _recs_v1_FeedbackAck__Output>
      FeedbackEvent: MessageTypeDefinition<_recs_v1_FeedbackEvent, _recs_v1_FeedbackEvent__Output>
      FeedbackType: EnumTypeDefinition
      GetItemRequest: MessageTypeDefinition<_recs_v1_GetItemRequest, _recs_v1_GetItemRequest__Output>
      GetModelStatusRequest: MessageTypeDefinition<_recs_v1_GetModelStatusRequest, _recs_v1_GetModelStatusRequest__Output>
      GetUserStateRequest: MessageTypeDefinition<_recs_v1_GetUserStateRequest, _recs_v1_GetUserStateRequest__Output>
      IngestSummary: MessageTypeDefinition<_recs_v1_IngestSummary, _recs_v1_IngestSummary__Output>
      Item: MessageTypeDefinition<_recs_v1_Item, _recs_v1_Item__Output>
      ModelStatus: MessageTypeDefinition<_recs_v1_ModelStatus, _recs_v1_ModelStatus__Output>
      RecommendRequest: MessageTypeDefinition<_recs_v1_RecommendRequest, _recs_v1_RecommendRequest__Output>
      RecommendResponse: MessageTypeDefinition<_recs_v1_RecommendResponse, _recs_v1_RecommendResponse__Output>
      RecommendedItem: MessageTypeDefinition<_recs_v1_RecommendedItem, _recs_v1_RecommendedItem__Output>
      Recommender: SubtypeConstructor<typeof grpc.Client, _recs_v1_RecommenderClient> & { service: _recs_v1_RecommenderDefinition }
      Rejection: MessageTypeDefinition<_recs_v1_Rejection, _recs_v1_Rejection__Output>
      Replica: SubtypeConstructor<typeof grpc.Client, _recs_v1_ReplicaClient> & { service: _recs_v1_ReplicaDefinition }
      ScoreParts: MessageTypeDefinition<_recs_v1_ScoreParts, _recs_v1_ScoreParts__Output>
      SessionEvent: MessageTypeDefinition<_recs_v1_SessionEvent, _recs_v1_SessionEvent__Output>
      UpsertSummary: MessageTypeDefinition<_recs_v1_UpsertSummary, _recs_v1_UpsertSummary__Output>
      UserState: MessageTypeDefinition<_recs_v1_UserState, _recs_v1_UserState__Output>
    }
  }
}

