// Original file: proto/recs/v1/recommender.proto

import type { Long } from '@grpc/proto-loader';

export interface ModelStatus {
  'updateCount'?: (number | string | Long);
  'checksum'?: (string);
  'logPosition'?: (string);
  'modelVersion'?: (string);
  'statistics'?: (Buffer | Uint8Array | string);
  'surface'?: (string);
  'settingsVersion'?: (number);
  'alpha'?: (number | string);
  'epsilon'?: (number | string);
}

export interface ModelStatus__Output {
  'updateCount': (string);
  'checksum': (string);
  'logPosition': (string);
  'modelVersion': (string);
  'statistics': (Buffer);
  'surface': (string);
  'settingsVersion': (number);
  'alpha': (number);
  'epsilon': (number);
}
