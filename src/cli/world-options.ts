import { InvalidArgumentError, Option, type Command } from "commander";
import { WORLD_PARAM_SPECS, type WorldParams } from "../world/params";

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Adds one flag per synthetic-world parameter (`--intent-strength 3`, ...), with its default in the help. */
export function addWorldOptions(command: Command): Command {
  for (const [name, spec] of Object.entries(WORLD_PARAM_SPECS)) {
    command.addOption(
      new Option(
        `--${kebab(name)} <n>`,
        `world: ${spec.description} (default ${spec.default}; ${spec.min}..${spec.max})`,
      ).argParser((value: string) => {
        const n = Number(value);
        if (!Number.isFinite(n)) throw new InvalidArgumentError(`--${kebab(name)} must be a number, got "${value}"`);
        return n;
      }),
    );
  }
  return command;
}

/** The world parameters given on the command line (the rest keep their defaults). */
export function worldParamsFrom(options: Record<string, unknown>): Partial<WorldParams> {
  const out: Partial<WorldParams> = {};
  for (const name of Object.keys(WORLD_PARAM_SPECS) as (keyof WorldParams)[]) {
    const value = options[name];
    if (typeof value === "number") out[name] = value;
  }
  return out;
}

/** Parses a whole-number flag, naming it in the error. */
export function intFlag(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in ${min}..${max}`;
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${flag} must be a whole number ${range}, got "${value}"`);
    return n;
  };
}

/** Parses a number flag within bounds, naming it in the error. */
export function numberFlag(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max)
      throw new InvalidArgumentError(`${flag} must be a number in ${min}..${max}, got "${value}"`);
    return n;
  };
}
