import { z } from "zod";

/** The value types configuration keys parse to (config.ts holds the keys themselves). */

/** One configuration key: its environment name, default, description and validation. */
export interface KeyDef<T> {
  env: string;
  default: string;
  description: string;
  schema: z.ZodType<T>;
}

export const int = (min: number, max: number) =>
  z.coerce
    .number({ message: "must be a number" })
    .int("must be a whole number")
    .min(min, `must be ≥ ${min}`)
    .max(max, `must be ≤ ${max}`);
export const num = (min: number, max: number) =>
  z.coerce
    .number({ message: "must be a number" })
    .refine(Number.isFinite, "must be a finite number")
    .pipe(z.number().min(min, `must be ≥ ${min}`).max(max, `must be ≤ ${max}`));
export const optionalUrl = (protocols: string[]) =>
  z.string().transform((s, ctx) => {
    if (s === "") return undefined;
    try {
      const url = new URL(s);
      if (!protocols.includes(url.protocol))
        ctx.addIssue({ code: "custom", message: `must start with ${protocols.join(" or ")}//` });
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a URL" });
    }
    return s;
  });
/** `host:port,host:port,...`; empty = no cluster. */
export const clusterSeeds = z.string().transform((s, ctx): { host: string; port: number }[] => {
  const seeds: { host: string; port: number }[] = [];
  for (const entry of s
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const match = /^(.+):(\d{1,5})$/.exec(entry);
    const port = match ? Number(match[2]) : NaN;
    if (!match || !(port >= 1 && port <= 65535)) {
      ctx.addIssue({ code: "custom", message: `"${entry}" is not HOST:PORT` });
      continue;
    }
    seeds.push({ host: match[1]!.replace(/^\[(.*)\]$/, "$1"), port });
  }
  return seeds;
});
export const bool = z
  .enum(["true", "false", "1", "0", "on", "off"], { message: "must be true or false" })
  .transform((s) => ["true", "1", "on"].includes(s));
export const optionalPath = z.string().transform((s) => (s === "" ? undefined : s));

export const FEEDBACK_TYPE_NAMES = ["click", "add_to_cart", "purchase", "dismiss"] as const;
export type RewardMap = Readonly<Record<(typeof FEEDBACK_TYPE_NAMES)[number], number>>;

export const rewardMap = z.string().transform((s, ctx): RewardMap => {
  const out: Record<string, number> = { click: 1, add_to_cart: 2, purchase: 5, dismiss: -1 };
  for (const pair of s
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, value] = pair.split("=").map((p) => p.trim());
    const reward = Number(value);
    if (
      !name ||
      !(FEEDBACK_TYPE_NAMES as readonly string[]).includes(name) ||
      value === undefined ||
      !Number.isFinite(reward)
    ) {
      ctx.addIssue({
        code: "custom",
        message: `"${pair}" is not TYPE=NUMBER with TYPE one of ${FEEDBACK_TYPE_NAMES.join(", ")}`,
      });
      continue;
    }
    out[name] = reward;
  }
  return out as RewardMap;
});
