// Original file: proto/recs/v1/recommender.proto


export interface FeedbackAck {
  'duplicate'?: (boolean);
  'appliedToModel'?: (boolean);
}

export interface FeedbackAck__Output {
  'duplicate': (boolean);
  'appliedToModel': (boolean);
}
