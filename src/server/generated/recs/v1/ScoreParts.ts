// Original file: proto/recs/v1/recommender.proto


export interface ScoreParts {
  'session'?: (number | string);
  'longTerm'?: (number | string);
  'context'?: (number | string);
  'item'?: (number | string);
  'popularity'?: (number | string);
  'bias'?: (number | string);
}

export interface ScoreParts__Output {
  'session': (number);
  'longTerm': (number);
  'context': (number);
  'item': (number);
  'popularity': (number);
  'bias': (number);
}
