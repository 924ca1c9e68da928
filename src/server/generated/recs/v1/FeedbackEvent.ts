// Original file: proto/recs/v1/recommender.proto

import type { FeedbackType as _recs_v1_FeedbackType, FeedbackType__Output as _recs_v1_FeedbackType__Output } from '../../recs/v1/FeedbackType';
import type { Long } from '@grpc/proto-loader';

export interface FeedbackEvent {
  'eventId'?: (string);
  'userId'?: (string);
  'sessionId'?: (string);
  'itemId'?: (string);
  'type'?: (_recs_v1_FeedbackType);
  'recommendationId'?: (string);
  'reward'?: (number | string);
  'occurredAtMs'?: (number | string | Long);
  '_reward'?: "reward";
}

export interface FeedbackEvent__Output {
  'eventId': (string);
  'userId': (string);
  'sessionId': (string);
  'itemId': (string);
  'type': (_recs_v1_FeedbackType__Output);
  'recommendationId': (string);
  'reward'?: (number);
  'occurredAtMs': (string);
  '_reward'?: "reward";
}
