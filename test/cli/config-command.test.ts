import { describe, expect, it } from "vitest";
import { runRecs } from "../helpers/process";

describe("recs config", { timeout: 60_000 }, () => {
  it("validates the environment as serve does: exit 2 naming the variable, else the list", async () => {
    const bad = await runRecs(["config"], { RECS_PORT: "eighty", RECS_WORKERS: "2" });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/^recs: invalid configuration:\n {2}RECS_PORT="eighty" must be a number/);
    expect(bad.stderr).toMatch(/RECS_WORKERS above 1 needs DATABASE_URL and REDIS_URL/);

    const good = await runRecs(["config"], { RECS_PORT: "8080" });
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/^RECS_PORT +50051 +gRPC port/m);
  });
});
