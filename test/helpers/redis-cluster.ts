import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { IN_CI } from "./servers";

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, "../../scripts/redis-cluster.sh");

/** Whether this machine can start a throwaway cluster; under CI it must (the failover suite must not skip). */
export function canStartRedisCluster(): boolean {
  const found =
    spawnSync("redis-server", ["--version"]).status === 0 && spawnSync("redis-cli", ["--version"]).status === 0;
  if (!found && IN_CI)
    throw new Error(
      "redis-server and redis-cli are not on PATH: CI=true, so the Redis Cluster failover suite must not skip. " +
        "Install Redis.",
    );
  if (!found)
    console.warn("redis-server or redis-cli is not on PATH: skipping the Redis Cluster failover suite outside CI");
  return found;
}

/**
 * A 3-master, 3-replica cluster of its own on `firstPort`..`firstPort + 5` (a test that kills nodes
 * must not break the shared one on 7000), in a temp dir removed by `stop`.
 */
export interface ThrowawayCluster {
  seeds: { host: string; port: number }[];
  ports: number[];
  /** `redis-cli -p port args...`, its output trimmed. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** The port of the master serving `slot`, per the node on `askPort`. */
  masterOf(slot: number, askPort?: number): Promise<number>;
  /** SIGKILLs the node on `port`. */
  kill(port: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startThrowawayCluster(firstPort: number): Promise<ThrowawayCluster> {
  const dir = mkdtempSync(join(tmpdir(), "recs-cluster-"));
  const ports = Array.from({ length: 6 }, (_, i) => firstPort + i);
  const cli = async (port: number, ...args: string[]) =>
    (await run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args])).stdout.trim();
  const pids = new Map<number, number>();
  const stop = async () => {
    await Promise.all(ports.map((port) => cli(port, "shutdown", "nosave").catch(() => undefined)));
    for (const pid of pids.values()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run(SCRIPT, [String(firstPort), dir], { timeout: 60_000 });
    for (const port of ports) pids.set(port, Number(/process_id:(\d+)/.exec(await cli(port, "info", "server"))![1]));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    seeds: ports.slice(0, 3).map((port) => ({ host: "127.0.0.1", port })),
    ports,
    cli,
    async masterOf(slot, askPort = firstPort) {
      for (const line of (await cli(askPort, "cluster", "nodes")).split("\n")) {
        const [, address, flags, , , , , , ...ranges] = line.split(" ");
        if (!flags?.includes("master") || flags.includes("fail")) continue;
        for (const range of ranges) {
          const [from, to = from] = range.split("-").map(Number);
          if (slot >= from! && slot <= to!) return Number(address!.split("@")[0]!.split(":")[1]);
        }
      }
      throw new Error(`no live master serves slot ${slot}`);
    },
    async kill(port) {
      process.kill(pids.get(port)!, "SIGKILL");
      pids.delete(port);
    },
    stop,
  };
}
