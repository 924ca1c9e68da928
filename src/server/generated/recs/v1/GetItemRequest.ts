// Original file: proto/recs/v1/recommender.proto


export interface GetItemRequest {
  'itemId'?: (string);
}

export interface GetItemRequest__Output {
  'itemId': (string);
}
