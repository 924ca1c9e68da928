// Original file: proto/recs/v1/recommender.proto


export interface Item {
  'itemId'?: (string);
  'embedding'?: (number | string)[];
  'category'?: (string);
  'attributes'?: ({[key: string]: string});
  'available'?: (boolean);
  '_available'?: "available";
}

export interface Item__Output {
  'itemId': (string);
  'embedding': (number)[];
  'category': (string);
  'attributes': ({[key: string]: string});
  'available'?: (boolean);
  '_available'?: "available";
}
