import { InvalidArgumentError } from "commander";

/** A commander parser for a whole-number option of at least `min`. */
export function wholeNumber(name: string, min: number) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`);
    return n;
  };
}

/** `30m`, `24h`, `7d`, `90s` as milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text.trim());
  const unit = match ? { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as "s" | "m" | "h" | "d"] : 0;
  const ms = match ? Number(match[1]) * unit : NaN;
  if (!(ms > 0)) throw new InvalidArgumentError(`--since must be a duration like 30m, 24h or 7d, got "${text}"`);
  return ms;
}
