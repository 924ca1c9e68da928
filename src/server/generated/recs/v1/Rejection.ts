// Original file: proto/recs/v1/recommender.proto

import type { Long } from '@grpc/proto-loader';

export interface Rejection {
  'index'?: (number | string | Long);
  'id'?: (string);
  'reason'?: (string);
}

export interface Rejection__Output {
  'index': (string);
  'id': (string);
  'reason': (string);
}
