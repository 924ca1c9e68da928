// Original file: proto/recs/v1/recommender.proto

import type { Long } from '@grpc/proto-loader';

export interface DeleteUserAck {
  'eventsDeleted'?: (number | string | Long);
  'sessionsDeleted'?: (number | string | Long);
  'modelUpdated'?: (boolean);
}

export interface DeleteUserAck__Output {
  'eventsDeleted': (string);
  'sessionsDeleted': (string);
  'modelUpdated': (boolean);
}
