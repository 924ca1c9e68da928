// Original file: proto/recs/v1/recommender.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DeleteUserAck as _recs_v1_DeleteUserAck, DeleteUserAck__Output as _recs_v1_DeleteUserAck__Output } from '../../recs/v1/DeleteUserAck';
import type { DeleteUserRequest as _recs_v1_DeleteUserRequest, DeleteUserRequest__Output as _recs_v1_DeleteUserRequest__Output } from '../../recs/v1/DeleteUserRequest';
import type { FeedbackAck as _recs_v1_FeedbackAck, FeedbackAck__Output as _recs_v1_FeedbackAck__Output } from '../../recs/v1/FeedbackAck';
import type { FeedbackEvent as _recs_v1_FeedbackEvent, FeedbackEvent__Output as _recs_v1_FeedbackEvent__Output } from '../../recs/v1/FeedbackEvent';
import type { GetUserStateRequest as _recs_v1_GetUserStateRequest, GetUserStateRequest__Output as _recs_v1_GetUserStateRequest__Output } from '../../recs/v1/GetUserStateRequest';
import type { IngestSummary as _recs_v1_IngestSummary, IngestSummary__Output as _recs_v1_IngestSummary__Output } from '../../recs/v1/IngestSummary';
import type { RecommendRequest as _recs_v1_RecommendRequest, RecommendRequest__Output as _recs_v1_RecommendRequest__Output } from '../../recs/v1/RecommendRequest';
import type { RecommendResponse as _recs_v1_RecommendResponse, RecommendResponse__Output as _recs_v1_RecommendResponse__Output } from '../../recs/v1/RecommendResponse';
import type { UserState as _recs_v1_UserState, UserState__Output as _recs_v1_UserState__Output } from '../../recs/v1/UserState';

export interface RecommenderClient extends grpc.Client {
  DeleteUser(argument: _recs_v1_DeleteUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_DeleteUserAck__Output>): grpc.ClientUnaryCall;
  DeleteUser(argument: _recs_v1_DeleteUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recs_v1_DeleteUserAck__Output>): grpc.ClientUnaryCall;
  DeleteUser(argument: _recs_v1_DeleteUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_DeleteUserAck__Output>): grpc.ClientUnaryCall;
  DeleteUser(argument: _recs_v1_DeleteUserRequest, callback: grpc.requestCallback<_recs_v1_DeleteUserAck__Output>): grpc.ClientUnaryCall;
  deleteUser(argument: _recs_v1_DeleteUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_DeleteUserAck__Output>): grpc.ClientUnaryCall;
  deleteUser(argument: _recs_v1_DeleteUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recs_v1_DeleteUserAck__Output>): grpc.ClientUnaryCall;
  deleteUser(argument: _recs_v1_DeleteUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_DeleteUserAck__Output>): grpc.ClientUnaryCall;
  deleteUser(argument: _recs_v1_DeleteUserRequest, callback: grpc.requestCallback<_recs_v1_DeleteUserAck__Output>): grpc.ClientUnaryCall;
  
  Feedback(argument: _recs_v1_FeedbackEvent, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_FeedbackAck__Output>): grpc.ClientUnaryCall;
  Feedback(argument: _recs_v1_FeedbackEvent, metadata: grpc.Metadata, callback: grpc.requestCallback<_recs_v1_FeedbackAck__Output>): grpc.ClientUnaryCall;
  Feedback(argument: _recs_v1_FeedbackEvent, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_FeedbackAck__Output>): grpc.ClientUnaryCall;
  Feedback(argument: _recs_v1_FeedbackEvent, callback: grpc.requestCallback<_recs_v1_FeedbackAck__Output>): grpc.ClientUnaryCall;
  feedback(argument: _recs_v1_FeedbackEvent, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_FeedbackAck__Output>): grpc.ClientUnaryCall;
  feedback(argument: _recs_v1_FeedbackEvent, metadata: grpc.Metadata, callback: grpc.requestCallback<_recs_v1_FeedbackAck__Output>): grpc.ClientUnaryCall;
  feedback(argument: _recs_v1_FeedbackEvent, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_FeedbackAck__Output>): grpc.ClientUnaryCall;
  feedback(argument: _recs_v1_FeedbackEvent, callback: grpc.requestCallback<_recs_v1_FeedbackAck__Output>): grpc.ClientUnaryCall;
  
  GetUserState(argument: _recs_v1_GetUserStateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_UserState__Output>): grpc.ClientUnaryCall;
  GetUserState(argument: _recs_v1_GetUserStateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recs_v1_UserState__Output>): grpc.ClientUnaryCall;
  GetUserState(argument: _recs_v1_GetUserStateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_UserState__Output>): grpc.ClientUnaryCall;
  GetUserState(argument: _recs_v1_GetUserStateRequest, callback: grpc.requestCallback<_recs_v1_UserState__Output>): grpc.ClientUnaryCall;
  getUserState(argument: _recs_v1_GetUserStateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_UserState__Output>): grpc.ClientUnaryCall;
  getUserState(argument: _recs_v1_GetUserStateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recs_v1_UserState__Output>): grpc.ClientUnaryCall;
  getUserState(argument: _recs_v1_GetUserStateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_UserState__Output>): grpc.ClientUnaryCall;
  getUserState(argument: _recs_v1_GetUserStateRequest, callback: grpc.requestCallback<_recs_v1_UserState__Output>): grpc.ClientUnaryCall;
  
  IngestFeedback(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_IngestSummary__Output>): grpc.ClientWritableStream<_recs_v1_FeedbackEvent>;
  IngestFeedback(metadata: grpc.Metadata, callback: grpc.requestCallback<_recs_v1_IngestSummary__Output>): grpc.ClientWritableStream<_recs_v1_FeedbackEvent>;
  IngestFeedback(options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_IngestSummary__Output>): grpc.ClientWritableStream<_recs_v1_FeedbackEvent>;
  IngestFeedback(callback: grpc.requestCallback<_recs_v1_IngestSummary__Output>): grpc.ClientWritableStream<_recs_v1_FeedbackEvent>;
  ingestFeedback(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_IngestSummary__Output>): grpc.ClientWritableStream<_recs_v1_FeedbackEvent>;
  ingestFeedback(metadata: grpc.Metadata, callback: grpc.requestCallback<_recs_v1_IngestSummary__Output>): grpc.ClientWritableStream<_recs_v1_FeedbackEvent>;
  ingestFeedback(options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_IngestSummary__Output>): grpc.ClientWritableStream<_recs_v1_FeedbackEvent>;
  ingestFeedback(callback: grpc.requestCallback<_recs_v1_IngestSummary__Output>): grpc.ClientWritableStream<_recs_v1_FeedbackEvent>;
  
  Recommend(argument: _recs_v1_RecommendRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_RecommendResponse__Output>): grpc.ClientUnaryCall;
  Recommend(argument: _recs_v1_RecommendRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recs_v1_RecommendResponse__Output>): grpc.ClientUnaryCall;
  Recommend(argument: _recs_v1_RecommendRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_RecommendResponse__Output>): grpc.ClientUnaryCall;
  Recommend(argument: _recs_v1_RecommendRequest, callback: grpc.requestCallback<_recs_v1_RecommendResponse__Output>): grpc.ClientUnaryCall;
  recommend(argument: _recs_v1_RecommendRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_RecommendResponse__Output>): grpc.ClientUnaryCall;
  recommend(argument: _recs_v1_RecommendRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recs_v1_RecommendResponse__Output>): grpc.ClientUnaryCall;
  recommend(argument: _recs_v1_RecommendRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_RecommendResponse__Output>): grpc.ClientUnaryCall;
  recommend(argument: _recs_v1_RecommendRequest, callback: grpc.requestCallback<_recs_v1_RecommendResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface RecommenderHandlers extends grpc.UntypedServiceImplementation {
  DeleteUser: grpc.handleUnaryCall<_recs_v1_DeleteUserRequest__Output, _recs_v1_DeleteUserAck>;
  
  Feedback: grpc.handleUnaryCall<_recs_v1_FeedbackEvent__Output, _recs_v1_FeedbackAck>;
  
  GetUserState: grpc.handleUnaryCall<_recs_v1_GetUserStateRequest__Output, _recs_v1_UserState>;
  
  IngestFeedback: grpc.handleClientStreamingCall<_recs_v1_FeedbackEvent__Output, _recs_v1_IngestSummary>;
  
  Recommend: grpc.handleUnaryCall<_recs_v1_RecommendRequest__Output, _recs_v1_RecommendResponse>;
  
}

export interface RecommenderDefinition extends grpc.ServiceDefinition {
  DeleteUser: MethodDefinition<_recs_v1_DeleteUserRequest, _recs_v1_DeleteUserAck, _recs_v1_DeleteUserRequest__Output, _recs_v1_DeleteUserAck__Output>
  Feedback: MethodDefinition<_recs_v1_FeedbackEvent, _recs_v1_FeedbackAck, _recs_v1_FeedbackEvent__Output, _recs_v1_FeedbackAck__Output>
  GetUserState: MethodDefinition<_recs_v1_GetUserStateRequest, _recs_v1_UserState, _recs_v1_GetUserStateRequest__Output, _recs_v1_UserState__Output>
  IngestFeedback: MethodDefinition<_recs_v1_FeedbackEvent, _recs_v1_IngestSummary, _recs_v1_FeedbackEvent__Output, _recs_v1_IngestSummary__Output>
  Recommend: MethodDefinition<_recs_v1_RecommendRequest, _recs_v1_RecommendResponse, _recs_v1_RecommendRequest__Output, _recs_v1_RecommendResponse__Output>
}
