// Original file: proto/recs/v1/recommender.proto

import type { Boost as _recs_v1_Boost, Boost__Output as _recs_v1_Boost__Output } from '../../recs/v1/Boost';

export interface RecommendRequest {
  'userId'?: (string);
  'sessionId'?: (string);
  'k'?: (number);
  'context'?: ({[key: string]: string});
  'candidateIds'?: (string)[];
  'excludeIds'?: (string)[];
  'category'?: (string);
  'explain'?: (boolean);
  'pinnedIds'?: (string)[];
  'maxPerCategory'?: (number);
  'boosts'?: (_recs_v1_Boost)[];
  'recentItemIds'?: (string)[];
  'surface'?: (string);
}

export interface RecommendRequest__Output {
  'userId': (string);
  'sessionId': (string);
  'k': (number);
  'context': ({[key: string]: string});
  'candidateIds': (string)[];
  'excludeIds': (string)[];
  'category': (string);
  'explain': (boolean);
  'pinnedIds': (string)[];
  'maxPerCategory': (number);
  'boosts': (_recs_v1_Boost__Output)[];
  'recentItemIds': (string)[];
  'surface': (string);
}
