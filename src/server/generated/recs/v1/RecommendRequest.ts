// Original file: proto/recs/v1/recommender.proto


export interface RecommendRequest {
  'userId'?: (string);
  'sessionId'?: (string);
  'k'?: (number);
  'context'?: ({[key: string]: string});
  'candidateIds'?: (string)[];
  'excludeIds'?: (string)[];
  'category'?: (string);
}

export interface RecommendRequest__Output {
  'userId': (string);
  'sessionId': (string);
  'k': (number);
  'context': ({[key: string]: string});
  'candidateIds': (string)[];
  'excludeIds': (string)[];
  'category': (string);
}
