// Original file: proto/recs/v1/recommender.proto


export interface GetUserStateRequest {
  'userId'?: (string);
  'sessionId'?: (string);
}

export interface GetUserStateRequest__Output {
  'userId': (string);
  'sessionId': (string);
}
