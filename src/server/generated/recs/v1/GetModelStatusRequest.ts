// Original file: proto/recs/v1/recommender.proto


export interface GetModelStatusRequest {
  'includeStatistics'?: (boolean);
  'surface'?: (string);
}

export interface GetModelStatusRequest__Output {
  'includeStatistics': (boolean);
  'surface': (string);
}
