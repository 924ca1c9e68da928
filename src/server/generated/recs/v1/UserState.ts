// Original file: proto/recs/v1/recommender.proto

import type { SessionEvent as _recs_v1_SessionEvent, SessionEvent__Output as _recs_v1_SessionEvent__Output } from '../../recs/v1/SessionEvent';
import type { Long } from '@grpc/proto-loader';

export interface UserState {
  'userId'?: (string);
  'longTermEmbedding'?: (number | string)[];
  'interactionCount'?: (number | string | Long);
  'session'?: (_recs_v1_SessionEvent)[];
  'updatedAtMs'?: (number | string | Long);
}

export interface UserState__Output {
  'userId': (string);
  'longTermEmbedding': (number)[];
  'interactionCount': (string);
  'session': (_recs_v1_SessionEvent__Output)[];
  'updatedAtMs': (string);
}
