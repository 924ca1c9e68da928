// Original file: proto/recs/v1/recommender.proto

import type { FeedbackType as _recs_v1_FeedbackType, FeedbackType__Output as _recs_v1_FeedbackType__Output } from '../../recs/v1/FeedbackType';
import type { Long } from '@grpc/proto-loader';

export interface SessionEvent {
  'itemId'?: (string);
  'type'?: (_recs_v1_FeedbackType);
  'atMs'?: (number | string | Long);
}

export interface SessionEvent__Output {
  'itemId': (string);
  'type': (_recs_v1_FeedbackType__Output);
  'atMs': (string);
}
