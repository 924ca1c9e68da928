// Original file: proto/recs/v1/recommender.proto

import type { Rejection as _recs_v1_Rejection, Rejection__Output as _recs_v1_Rejection__Output } from '../../recs/v1/Rejection';
import type { Long } from '@grpc/proto-loader';

export interface UpsertSummary {
  'received'?: (number | string | Long);
  'upserted'?: (number | string | Long);
  'rejected'?: (number | string | Long);
  'rejections'?: (_recs_v1_Rejection)[];
}

export interface UpsertSummary__Output {
  'received': (string);
  'upserted': (string);
  'rejected': (string);
  'rejections': (_recs_v1_Rejection__Output)[];
}
