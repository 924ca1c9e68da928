// Original file: proto/recs/v1/recommender.proto

import type { RecommendedItem as _recs_v1_RecommendedItem, RecommendedItem__Output as _recs_v1_RecommendedItem__Output } from '../../recs/v1/RecommendedItem';

export interface RecommendResponse {
  'recommendationId'?: (string);
  'items'?: (_recs_v1_RecommendedItem)[];
  'modelVersion'?: (string);
  'degraded'?: (string)[];
  'unplacedPinnedIds'?: (string)[];
}

export interface RecommendResponse__Output {
  'recommendationId': (string);
  'items': (_recs_v1_RecommendedItem__Output)[];
  'modelVersion': (string);
  'degraded': (string)[];
  'unplacedPinnedIds': (string)[];
}
