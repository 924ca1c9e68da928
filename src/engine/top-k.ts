/** The k largest scores seen, as a min-heap on score (ties: the lower index wins). */
export class TopK {
  private readonly indices: Int32Array;
  private readonly scores: Float64Array;
  private size = 0;

  constructor(private readonly capacity: number) {
    this.indices = new Int32Array(capacity);
    this.scores = new Float64Array(capacity);
  }

  get full(): boolean {
    return this.size === this.capacity;
  }

  /** The lowest score kept (meaningful once full): only a higher one can enter. */
  get min(): number {
    return this.scores[0]!;
  }

  push(index: number, score: number): void {
    if (this.size < this.capacity) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (this.scores[parent]! <= score) break;
        this.indices[i] = this.indices[parent]!;
        this.scores[i] = this.scores[parent]!;
        i = parent;
      }
      this.indices[i] = index;
      this.scores[i] = score;
      return;
    }
    if (score <= this.scores[0]!) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) break;
      const right = left + 1;
      const child = right < this.size && this.scores[right]! < this.scores[left]! ? right : left;
      if (this.scores[child]! >= score) break;
      this.indices[i] = this.indices[child]!;
      this.scores[i] = this.scores[child]!;
      i = child;
    }
    this.indices[i] = index;
    this.scores[i] = score;
  }

  /** The kept indices, best score first (ties: lower index first). */
  sortedIndices(): number[] {
    const order = Array.from({ length: this.size }, (_, i) => i);
    order.sort((a, b) => this.scores[b]! - this.scores[a]! || this.indices[a]! - this.indices[b]!);
    return order.map((i) => this.indices[i]!);
  }
}
