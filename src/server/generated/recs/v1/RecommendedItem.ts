// Original file: proto/recs/v1/recommender.proto


export interface RecommendedItem {
  'itemId'?: (string);
  'position'?: (number);
  'score'?: (number | string);
  'expectedReward'?: (number | string);
  'explorationBonus'?: (number | string);
  'propensity'?: (number | string);
  'explored'?: (boolean);
}

export interface RecommendedItem__Output {
  'itemId': (string);
  'position': (number);
  'score': (number);
  'expectedReward': (number);
  'explorationBonus': (number);
  'propensity': (number);
  'explored': (boolean);
}
