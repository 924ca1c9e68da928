import { createHash } from "node:crypto";
import { decodeHybridState } from "./hybrid-snapshot";

/** Significant digits kept before hashing: sums taken in another order differ far below this. */
const DIGITS = 9;
/** Below this a value counts as 0: a difference of sums that cancel is rounding noise in any order. */
const ZERO = 1e-9;

/**
 * A digest of hybrid LinUCB statistics (`HybridLinUCB.exportState` bytes) that two replicas holding
 * the same updates share although they summed them in different orders: the update count, A0, b0 and
 * each item's A_a, B_a, b_a (by item id), every value rounded to 9 significant digits (and below 1e-9
 * to 0). A value that
 * sits on a rounding boundary can still tell two such replicas apart, rarely; equal digests are what
 * counts. (The inverses are derived state and left out.) Pure: hashing is no I/O.
 */
export function statisticsChecksum(state: Uint8Array): string {
  const decoded = decodeHybridState(state);
  const hash = createHash("sha256");
  const values = (name: string, array: ArrayLike<number>) => {
    const parts: string[] = [name];
    for (let i = 0; i < array.length; i++) parts.push(rounded(array[i]!));
    hash.update(`${parts.join(",")}\n`);
  };
  hash.update(`updates ${decoded.updateCount}\n`);
  values("a0", decoded.a0);
  values("b0", decoded.b0);
  for (const itemId of [...decoded.arms.keys()].sort()) {
    const arm = decoded.arms.get(itemId)!;
    hash.update(`${JSON.stringify(itemId)} ${arm.updates}\n`);
    values("a", arm.a);
    values("B", arm.bMatrix);
    values("b", arm.b);
  }
  return hash.digest("hex").slice(0, 16);
}

function rounded(value: number): string {
  // -0 and 0 are the same statistic.
  return Math.abs(value) < ZERO ? "0" : value.toPrecision(DIGITS);
}
