// Original file: proto/recs/v1/recommender.proto


export interface DeleteUserRequest {
  'userId'?: (string);
}

export interface DeleteUserRequest__Output {
  'userId': (string);
}
