/**
 * Independent reference implementations for the bandit tests: textbook formulas on ml-matrix with
 * explicit inverses and solves, no incremental tricks, no shared code with src/bandit.
 */
import { Matrix, inverse, solve } from "ml-matrix";

export interface Parts {
  mean: number;
  bonus: number;
  ucb: number;
}

const column = (v: ArrayLike<number>): Matrix => Matrix.columnVector(Array.from(v));
const scalar = (m: Matrix): number => m.get(0, 0);

/** LinUCB by direct solve: A = λI + Σ xxᵀ, b = Σ r·x, θ = solve(A, b). */
export class DirectLinUCB {
  readonly a: Matrix;
  readonly b: Matrix;
  constructor(
    readonly dim: number,
    readonly alpha: number,
    lambda: number,
  ) {
    this.a = Matrix.eye(dim, dim).mul(lambda);
    this.b = Matrix.zeros(dim, 1);
  }
  update(x: ArrayLike<number>, reward: number): void {
    const xc = column(x);
    this.a.add(xc.mmul(xc.transpose()));
    this.b.add(xc.clone().mul(reward));
  }
  /** Scores many x at once with one solve and one inverse. */
  scores(xs: ArrayLike<number>[]): Parts[] {
    const theta = solve(this.a, this.b);
    const aInverse = inverse(this.a);
    return xs.map((x) => {
      const xc = column(x);
      const mean = scalar(theta.transpose().mmul(xc));
      const bonus = this.alpha * Math.sqrt(scalar(xc.transpose().mmul(aInverse).mmul(xc)));
      return { mean, bonus, ucb: mean + bonus };
    });
  }
}

interface RefArm {
  a: Matrix;
  bMatrix: Matrix;
  b: Matrix;
}

/** Li et al. 2010, Algorithm 2, line by line (with λI priors in place of I). */
export class Algorithm2 {
  a0: Matrix;
  b0: Matrix;
  readonly arms = new Map<string, RefArm>();
  constructor(
    readonly sharedDim: number,
    readonly armDim: number,
    readonly alpha: number,
    readonly lambda: number,
  ) {
    this.a0 = Matrix.eye(sharedDim, sharedDim).mul(lambda);
    this.b0 = Matrix.zeros(sharedDim, 1);
  }
  private arm(itemId: string): RefArm {
    return (
      this.arms.get(itemId) ?? {
        a: Matrix.eye(this.armDim, this.armDim).mul(this.lambda),
        bMatrix: Matrix.zeros(this.armDim, this.sharedDim),
        b: Matrix.zeros(this.armDim, 1),
      }
    );
  }
  score(itemId: string, zv: ArrayLike<number>, xv: ArrayLike<number>): Parts {
    const z = column(zv);
    const x = column(xv);
    const a0Inv = inverse(this.a0);
    const beta = a0Inv.mmul(this.b0);
    const { a, bMatrix, b } = this.arm(itemId);
    const aInv = inverse(a);
    const theta = aInv.mmul(Matrix.sub(b, bMatrix.mmul(beta)));
    const zt = z.transpose();
    const xt = x.transpose();
    const s =
      scalar(zt.mmul(a0Inv).mmul(z)) -
      2 * scalar(zt.mmul(a0Inv).mmul(bMatrix.transpose()).mmul(aInv).mmul(x)) +
      scalar(xt.mmul(aInv).mmul(x)) +
      scalar(xt.mmul(aInv).mmul(bMatrix).mmul(a0Inv).mmul(bMatrix.transpose()).mmul(aInv).mmul(x));
    const mean = scalar(zt.mmul(beta)) + scalar(xt.mmul(theta));
    const bonus = this.alpha * Math.sqrt(s);
    return { mean, bonus, ucb: mean + bonus };
  }
  update(itemId: string, zv: ArrayLike<number>, xv: ArrayLike<number>, r: number): void {
    const z = column(zv);
    const x = column(xv);
    const arm = this.arm(itemId);
    this.arms.set(itemId, arm);
    let aInv = inverse(arm.a);
    this.a0 = Matrix.add(this.a0, arm.bMatrix.transpose().mmul(aInv).mmul(arm.bMatrix));
    this.b0 = Matrix.add(this.b0, arm.bMatrix.transpose().mmul(aInv).mmul(arm.b));
    arm.a = Matrix.add(arm.a, x.mmul(x.transpose()));
    arm.bMatrix = Matrix.add(arm.bMatrix, x.mmul(z.transpose()));
    arm.b = Matrix.add(arm.b, x.clone().mul(r));
    aInv = inverse(arm.a);
    this.a0 = Matrix.add(this.a0, z.mmul(z.transpose())).sub(arm.bMatrix.transpose().mmul(aInv).mmul(arm.bMatrix));
    this.b0 = Matrix.add(this.b0, z.clone().mul(r)).sub(arm.bMatrix.transpose().mmul(aInv).mmul(arm.b));
  }
  /** Drops an item's per-item statistics, handing its evidence to the shared part (what eviction means). */
  forget(itemId: string): void {
    const arm = this.arms.get(itemId);
    if (arm === undefined) return;
    const aInv = inverse(arm.a);
    this.a0 = Matrix.add(this.a0, arm.bMatrix.transpose().mmul(aInv).mmul(arm.bMatrix));
    this.b0 = Matrix.add(this.b0, arm.bMatrix.transpose().mmul(aInv).mmul(arm.b));
    this.arms.delete(itemId);
  }
}

/**
 * Algorithm 2's state computed in one go from raw sums, in no particular order:
 * A0 = λI + Σ zzᵀ − Σ_a B_aᵀA_a⁻¹B_a, b0 = Σ r·z − Σ_a B_aᵀA_a⁻¹b_a (what the per-step updates telescope to).
 */
export function closedFormAlgorithm2(
  observations: Array<{ itemId: string; z: ArrayLike<number>; x: ArrayLike<number>; reward: number }>,
  sharedDim: number,
  armDim: number,
  alpha: number,
  lambda: number,
): Algorithm2 {
  const model = new Algorithm2(sharedDim, armDim, alpha, lambda);
  const zz = Matrix.eye(sharedDim, sharedDim).mul(lambda);
  const rz = Matrix.zeros(sharedDim, 1);
  for (const o of observations) {
    const z = column(o.z);
    const x = column(o.x);
    zz.add(z.mmul(z.transpose()));
    rz.add(z.clone().mul(o.reward));
    const arm = model.arms.get(o.itemId) ?? {
      a: Matrix.eye(armDim, armDim).mul(lambda),
      bMatrix: Matrix.zeros(armDim, sharedDim),
      b: Matrix.zeros(armDim, 1),
    };
    arm.a.add(x.mmul(x.transpose()));
    arm.bMatrix.add(x.mmul(z.transpose()));
    arm.b.add(x.clone().mul(o.reward));
    model.arms.set(o.itemId, arm);
  }
  for (const arm of model.arms.values()) {
    const aInv = inverse(arm.a);
    zz.sub(arm.bMatrix.transpose().mmul(aInv).mmul(arm.bMatrix));
    rz.sub(arm.bMatrix.transpose().mmul(aInv).mmul(arm.b));
  }
  model.a0 = zz;
  model.b0 = rz;
  return model;
}

/** |got − want| ≤ tolerance·max(|want|, floor): relative, with a floor so values near 0 do not explode. */
export function relativeError(got: number, want: number, floor = 1e-3): number {
  return Math.abs(got - want) / Math.max(Math.abs(want), floor);
}
