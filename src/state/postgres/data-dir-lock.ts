import { unlinkSync } from "node:fs";
import { link, readFile, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join, resolve } from "node:path";

/** The lock's name inside the data folder (PGlite's own postmaster.pid is written but never checked). */
export const LOCK_FILE = "recs.lock";

/** What the lock file holds: enough to tell a live holder from a dead one and to name it. */
interface LockHolder {
  pid: number;
  hostname: string;
  since: string;
}

/**
 * A second opener of an embedded data folder. PGlite is a single-process database: two instances on
 * the same files each keep their own view, and what one writes the other overwrites or never sees.
 */
export class DataDirLocked extends Error {
  override name = "DataDirLocked";
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
    lockPath: string,
  ) {
    const where = holder.hostname === hostname() ? "" : ` on host ${holder.hostname}`;
    super(
      `the embedded data folder ${dataDir} is in use by process ${holder.pid}${where} (since ${holder.since}); ` +
        "two processes on one embedded database lose each other's writes. Stop that process (`recs serve`) first, " +
        "or send items to the running server with Catalog.UpsertItems instead of `recs load-catalog`; " +
        `if no such process is running, delete ${lockPath}`,
    );
  }
}

/** Lock paths this process holds: for telling its own lock from an earlier process's with the same pid. */
const held = new Set<string>();
let exitHookInstalled = false;

export interface DataDirLock {
  /** Removes the lock file if it is still this process's. */
  release(): Promise<void>;
}

/**
 * Takes the data folder for this process, or throws DataDirLocked naming the live holder. A lock left
 * by a process that is gone (killed, crashed) is taken over. The file appears with its whole content at
 * once (written aside, then hard-linked into place, which fails if it exists), so a reader never sees
 * a half-written lock and mistakes it for a stale one.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const lockPath = resolve(dataDir, LOCK_FILE);
  const holder = { pid: process.pid, hostname: hostname(), since: new Date().toISOString() } satisfies LockHolder;
  const content = `${JSON.stringify(holder)}\n`;
  const staging = join(resolve(dataDir), `${LOCK_FILE}.${process.pid}.${Math.random().toString(36).slice(2)}`);
  await writeFile(staging, content);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await link(staging, lockPath);
        held.add(lockPath);
        installExitHook();
        return { release: () => release(lockPath, content) };
      } catch (err) {
        if (codeOf(err) !== "EEXIST") throw err;
      }
      const existing = await readFile(lockPath, "utf8").catch((err: unknown) => {
        if (codeOf(err) === "ENOENT") return null;
        throw err;
      });
      if (existing === null) continue; // released in between: try again
      const holder = parseHolder(existing);
      if (holder && holderAlive(holder, lockPath)) throw new DataDirLocked(dataDir, holder, lockPath);
      // Stale. Two processes taking over the same dead holder's lock within the same instant could both
      // pass this read; starting two servers on one folder at that moment is beyond what this guards.
      if ((await readFile(lockPath, "utf8").catch(() => null)) === existing)
        await unlink(lockPath).catch(() => undefined);
    }
    throw new Error(
      `could not lock the embedded data folder ${dataDir}: ${lockPath} keeps changing; ` +
        `is another process starting on it?`,
    );
  } finally {
    await unlink(staging).catch(() => undefined);
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid !== "number" || !Number.isInteger(parsed.pid) || parsed.pid <= 0) return null;
    return {
      pid: parsed.pid,
      hostname: typeof parsed.hostname === "string" ? parsed.hostname : "",
      since: typeof parsed.since === "string" ? parsed.since : "an unknown time",
    };
  } catch {
    return null;
  }
}

/**
 * Whether the lock's holder still runs. Another host's process cannot be checked, so it counts as
 * alive. Our own pid counts as alive only if this process took the lock: in a container the server is
 * often pid 1 on every start, and a lock left by the previous start carries that same pid.
 */
function holderAlive(holder: LockHolder, lockPath: string): boolean {
  if (holder.hostname !== "" && holder.hostname !== hostname()) return true;
  if (holder.pid === process.pid) return held.has(lockPath);
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return codeOf(err) !== "ESRCH";
  }
}

async function release(lockPath: string, content: string): Promise<void> {
  if (!held.delete(lockPath)) return;
  const current = await readFile(lockPath, "utf8").catch(() => null);
  if (current === content) await unlink(lockPath).catch(() => undefined);
}

/** A process that exits without closing its store (an uncaught error) leaves no lock behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const lockPath of held) {
      try {
        unlinkSync(lockPath);
      } catch {
        // Already gone: nothing to release.
      }
    }
  });
}

function codeOf(err: unknown): string | undefined {
  return typeof err === "object" && err !== null ? ((err as NodeJS.ErrnoException).code ?? undefined) : undefined;
}
