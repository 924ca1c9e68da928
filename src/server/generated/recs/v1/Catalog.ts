// Original file: proto/recs/v1/recommender.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetItemRequest as _recs_v1_GetItemRequest, GetItemRequest__Output as _recs_v1_GetItemRequest__Output } from '../../recs/v1/GetItemRequest';
import type { Item as _recs_v1_Item, Item__Output as _recs_v1_Item__Output } from '../../recs/v1/Item';
import type { UpsertSummary as _recs_v1_UpsertSummary, UpsertSummary__Output as _recs_v1_UpsertSummary__Output } from '../../recs/v1/UpsertSummary';

export interface CatalogClient extends grpc.Client {
  GetItem(argument: _recs_v1_GetItemRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_Item__Output>): grpc.ClientUnaryCall;
  GetItem(argument: _recs_v1_GetItemRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recs_v1_Item__Output>): grpc.ClientUnaryCall;
  GetItem(argument: _recs_v1_GetItemRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_Item__Output>): grpc.ClientUnaryCall;
  GetItem(argument: _recs_v1_GetItemRequest, callback: grpc.requestCallback<_recs_v1_Item__Output>): grpc.ClientUnaryCall;
  getItem(argument: _recs_v1_GetItemRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_Item__Output>): grpc.ClientUnaryCall;
  getItem(argument: _recs_v1_GetItemRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recs_v1_Item__Output>): grpc.ClientUnaryCall;
  getItem(argument: _recs_v1_GetItemRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_Item__Output>): grpc.ClientUnaryCall;
  getItem(argument: _recs_v1_GetItemRequest, callback: grpc.requestCallback<_recs_v1_Item__Output>): grpc.ClientUnaryCall;
  
  UpsertItems(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_UpsertSummary__Output>): grpc.ClientWritableStream<_recs_v1_Item>;
  UpsertItems(metadata: grpc.Metadata, callback: grpc.requestCallback<_recs_v1_UpsertSummary__Output>): grpc.ClientWritableStream<_recs_v1_Item>;
  UpsertItems(options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_UpsertSummary__Output>): grpc.ClientWritableStream<_recs_v1_Item>;
  UpsertItems(callback: grpc.requestCallback<_recs_v1_UpsertSummary__Output>): grpc.ClientWritableStream<_recs_v1_Item>;
  upsertItems(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_UpsertSummary__Output>): grpc.ClientWritableStream<_recs_v1_Item>;
  upsertItems(metadata: grpc.Metadata, callback: grpc.requestCallback<_recs_v1_UpsertSummary__Output>): grpc.ClientWritableStream<_recs_v1_Item>;
  upsertItems(options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_UpsertSummary__Output>): grpc.ClientWritableStream<_recs_v1_Item>;
  upsertItems(callback: grpc.requestCallback<_recs_v1_UpsertSummary__Output>): grpc.ClientWritableStream<_recs_v1_Item>;
  
}

export interface CatalogHandlers extends grpc.UntypedServiceImplementation {
  GetItem: grpc.handleUnaryCall<_recs_v1_GetItemRequest__Output, _recs_v1_Item>;
  
  UpsertItems: grpc.handleClientStreamingCall<_recs_v1_Item__Output, _recs_v1_UpsertSummary>;
  
}

export interface CatalogDefinition extends grpc.ServiceDefinition {
  GetItem: MethodDefinition<_recs_v1_GetItemRequest, _recs_v1_Item, _recs_v1_GetItemRequest__Output, _recs_v1_Item__Output>
  UpsertItems: MethodDefinition<_recs_v1_Item, _recs_v1_UpsertSummary, _recs_v1_Item__Output, _recs_v1_UpsertSummary__Output>
}
