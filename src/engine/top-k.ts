/** The k largest scores seen, as a heap with the worst kept on top (lower score; of equal scores, the higher index). */
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
        if (!worse(score, index, this.scores[parent]!, this.indices[parent]!)) break;
        this.indices[i] = this.indices[parent]!;
        this.scores[i] = this.scores[parent]!;
        i = parent;
      }
      this.indices[i] = index;
      this.scores[i] = score;
      return;
    }
    if (!worse(this.scores[0]!, this.indices[0]!, score, index)) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) break;
      const right = left + 1;
      const child =
        right < this.size && worse(this.scores[right]!, this.indices[right]!, this.scores[left]!, this.indices[left]!)
          ? right
          : left;
      if (!worse(this.scores[child]!, this.indices[child]!, score, index)) break;
      this.indices[i] = this.indices[child]!;
      this.scores[i] = this.scores[child]!;
      i = child;
    }
    this.indices[i] = index;
    this.scores[i] = score;
  }

  /**
   * The kept indices, best score first (ties: lower index first). Pops the heap (it is empty after):
   * each pop moves the worst kept item to the end, so the array fills from the back.
   */
  sortedIndices(): number[] {
    const out = new Array<number>(this.size);
    const { indices, scores } = this;
    while (this.size > 0) {
      const last = --this.size;
      // The root is the worst kept (lowest score; of equal scores, the higher index).
      let worst = 0;
      out[last] = indices[0]!;
      if (last === 0) break;
      const index = indices[last]!;
      const score = scores[last]!;
      for (;;) {
        const left = 2 * worst + 1;
        if (left >= last) break;
        const right = left + 1;
        const child =
          right < last && worse(scores[right]!, indices[right]!, scores[left]!, indices[left]!) ? right : left;
        if (!worse(scores[child]!, indices[child]!, score, index)) break;
        indices[worst] = indices[child]!;
        scores[worst] = scores[child]!;
        worst = child;
      }
      indices[worst] = index;
      scores[worst] = score;
    }
    return out;
  }
}

/** Whether (score a, index i) ranks below (score b, index j): lower score, or equal score and higher index. */
function worse(a: number, i: number, b: number, j: number): boolean {
  return a < b || (a === b && i > j);
}
