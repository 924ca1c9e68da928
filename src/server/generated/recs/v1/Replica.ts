// Original file: proto/recs/v1/recommender.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetModelStatusRequest as _recs_v1_GetModelStatusRequest, GetModelStatusRequest__Output as _recs_v1_GetModelStatusRequest__Output } from '../../recs/v1/GetModelStatusRequest';
import type { ModelStatus as _recs_v1_ModelStatus, ModelStatus__Output as _recs_v1_ModelStatus__Output } from '../../recs/v1/ModelStatus';

export interface ReplicaClient extends grpc.Client {
  GetModelStatus(argument: _recs_v1_GetModelStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_ModelStatus__Output>): grpc.ClientUnaryCall;
  GetModelStatus(argument: _recs_v1_GetModelStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recs_v1_ModelStatus__Output>): grpc.ClientUnaryCall;
  GetModelStatus(argument: _recs_v1_GetModelStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_ModelStatus__Output>): grpc.ClientUnaryCall;
  GetModelStatus(argument: _recs_v1_GetModelStatusRequest, callback: grpc.requestCallback<_recs_v1_ModelStatus__Output>): grpc.ClientUnaryCall;
  getModelStatus(argument: _recs_v1_GetModelStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_ModelStatus__Output>): grpc.ClientUnaryCall;
  getModelStatus(argument: _recs_v1_GetModelStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_recs_v1_ModelStatus__Output>): grpc.ClientUnaryCall;
  getModelStatus(argument: _recs_v1_GetModelStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_recs_v1_ModelStatus__Output>): grpc.ClientUnaryCall;
  getModelStatus(argument: _recs_v1_GetModelStatusRequest, callback: grpc.requestCallback<_recs_v1_ModelStatus__Output>): grpc.ClientUnaryCall;
  
}

export interface ReplicaHandlers extends grpc.UntypedServiceImplementation {
  GetModelStatus: grpc.handleUnaryCall<_recs_v1_GetModelStatusRequest__Output, _recs_v1_ModelStatus>;
  
}

export interface ReplicaDefinition extends grpc.ServiceDefinition {
  GetModelStatus: MethodDefinition<_recs_v1_GetModelStatusRequest, _recs_v1_ModelStatus, _recs_v1_GetModelStatusRequest__Output, _recs_v1_ModelStatus__Output>
}
