// Original file: proto/recs/v1/recommender.proto

import type { ScoreParts as _recs_v1_ScoreParts, ScoreParts__Output as _recs_v1_ScoreParts__Output } from '../../recs/v1/ScoreParts';

export interface RecommendedItem {
  'itemId'?: (string);
  'position'?: (number);
  'score'?: (number | string);
  'expectedReward'?: (number | string);
  'explorationBonus'?: (number | string);
  'propensity'?: (number | string);
  'explored'?: (boolean);
  'parts'?: (_recs_v1_ScoreParts | null);
}

export interface RecommendedItem__Output {
  'itemId': (string);
  'position': (number);
  'score': (number);
  'expectedReward': (number);
  'explorationBonus': (number);
  'propensity': (number);
  'explored': (boolean);
  'parts': (_recs_v1_ScoreParts__Output | null);
}
