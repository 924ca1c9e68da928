// Original file: proto/recs/v1/recommender.proto

import type { Rejection as _recs_v1_Rejection, Rejection__Output as _recs_v1_Rejection__Output } from '../../recs/v1/Rejection';
import type { Long } from '@grpc/proto-loader';

export interface IngestSummary {
  'received'?: (number | string | Long);
  'accepted'?: (number | string | Long);
  'duplicates'?: (number | string | Long);
  'rejected'?: (number | string | Long);
  'rejections'?: (_recs_v1_Rejection)[];
}

export interface IngestSummary__Output {
  'received': (string);
  'accepted': (string);
  'duplicates': (string);
  'rejected': (string);
  'rejections': (_recs_v1_Rejection__Output)[];
}
