/** Argument checks shared by the bandit models; each message names the option and the rule. */

/** A positive integer dimension. */
export function checkDim(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** α: finite and ≥ 0. */
export function checkAlpha(value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`alpha must be a finite number ≥ 0, got ${value}`);
  return value;
}

/** λ: finite and > 0, so A stays positive definite. */
export function checkLambda(value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`lambda must be a finite number > 0, got ${value}`);
  return value;
}

/** How often to recompute inverses exactly: a positive integer. */
export function checkRefreshEvery(value: number): number {
  return checkDim("refreshEvery", value);
}

/** Throws unless the value is finite: one NaN in the statistics would poison every later score. */
export function checkFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be finite, got ${value}`);
}
