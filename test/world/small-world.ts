import type { WorldParams } from "../../src/world/params";

/** A world small enough for unit tests to build in milliseconds, with the same structure as the default. */
export const SMALL_WORLD: Partial<WorldParams> = { items: 240, dim: 12, categories: 8, brands: 10, users: 300 };
