// Original file: proto/recs/v1/recommender.proto

export const FeedbackType = {
  FEEDBACK_TYPE_UNSPECIFIED: 'FEEDBACK_TYPE_UNSPECIFIED',
  CLICK: 'CLICK',
  ADD_TO_CART: 'ADD_TO_CART',
  PURCHASE: 'PURCHASE',
  DISMISS: 'DISMISS',
} as const;

export type FeedbackType =
  | 'FEEDBACK_TYPE_UNSPECIFIED'
  | 0
  | 'CLICK'
  | 1
  | 'ADD_TO_CART'
  | 2
  | 'PURCHASE'
  | 3
  | 'DISMISS'
  | 4

export type FeedbackType__Output = typeof FeedbackType[keyof typeof FeedbackType]
