import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataDirLocked, LOCK_FILE, lockDataDir } from "../../../src/state/postgres/data-dir-lock";
import { openPostgresStores } from "../../../src/state/postgres/open-postgres-stores";

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", ""]).pid!;
}

const holderFile = (pid: number, host = hostname()) =>
  `${JSON.stringify({ pid, hostname: host, since: "2025-01-01T00:00:00.000Z" })}\n`;

describe("the embedded data folder lock", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "recs-lock-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("holds the folder with this process's pid until released, refusing a second opener by name", async () => {
    const lock = await lockDataDir(dir);
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), "utf8"))).toMatchObject({
      pid: process.pid,
      hostname: hostname(),
    });
    const second = await lockDataDir(dir).catch((err: unknown) => err);
    expect(second).toBeInstanceOf(DataDirLocked);
    expect((second as DataDirLocked).holder.pid).toBe(process.pid);
    expect((second as Error).message).toMatch(
      new RegExp(`^the embedded data folder ${dir} is in use by process ${process.pid} \\(since .*\\)`),
    );
    expect((second as Error).message).toMatch(
      /Stop that process \(`recs serve`\) first, or send items to the running server with Catalog\.UpsertItems/,
    );
    expect((second as Error).message).toContain(`delete ${join(dir, LOCK_FILE)}`);
    await lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    await (await lockDataDir(dir)).release();
  });

  it("takes over a lock whose process is gone, or that an earlier process with this pid left", async () => {
    for (const stale of [deadPid(), process.pid]) {
      await writeFile(join(dir, LOCK_FILE), holderFile(stale));
      const lock = await lockDataDir(dir);
      expect(JSON.parse(await readFile(join(dir, LOCK_FILE), "utf8")).pid).toBe(process.pid);
      await lock.release();
    }
    await writeFile(join(dir, LOCK_FILE), "not json");
    await (await lockDataDir(dir)).release();
  });

  it("refuses a lock held by a live process, or by one on another host that it cannot check", async () => {
    await writeFile(join(dir, LOCK_FILE), holderFile(process.ppid));
    await expect(lockDataDir(dir)).rejects.toThrow(
      `in use by process ${process.ppid} (since 2025-01-01T00:00:00.000Z)`,
    );
    await writeFile(join(dir, LOCK_FILE), holderFile(deadPid(), "elsewhere"));
    await expect(lockDataDir(dir)).rejects.toThrow(/in use by process \d+ on host elsewhere/);
    // A refused opener leaves the holder's lock alone.
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), "utf8")).hostname).toBe("elsewhere");
  });

  it("is taken by opening the embedded stores and released by closing them", async () => {
    const first = await openPostgresStores({ dataDir: dir, embeddingDim: 4 });
    try {
      await expect(openPostgresStores({ dataDir: dir, embeddingDim: 4 })).rejects.toThrow(
        `the embedded data folder ${dir} is in use by process ${process.pid}`,
      );
    } finally {
      await first.close();
    }
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  }, 90_000); // PGlite creates a cluster on disk: seconds, more on a busy machine
});
