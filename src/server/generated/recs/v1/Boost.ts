// Original file: proto/recs/v1/recommender.proto


export interface Boost {
  'attribute'?: (string);
  'value'?: (string);
  'weight'?: (number | string);
}

export interface Boost__Output {
  'attribute': (string);
  'value': (string);
  'weight': (number);
}
