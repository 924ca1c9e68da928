/**
 * Soak: mixed load against a real `recs serve` process for minutes, reporting the server's memory over
 * time. Not part of the default suite (the file is not a *.test.ts). Run it with
 *
 *   SOAK_SECONDS=300 npx tsx test/reliability/soak.ts        (or: npm run soak)
 *
 * Settings (environment): SOAK_SECONDS (300), SOAK_CONCURRENCY (16 callers), SOAK_REPORT_S (15),
 * SOAK_USERS (5000), SOAK_STORES (real | embedded; real when Postgres and Redis are reachable).
 * Exits 1 if any call ended INTERNAL or UNKNOWN, or the heap at the end is more than twice the heap
 * after warm-up; prints one line per interval and a summary.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { status } from "@grpc/grpc-js";
import { RecsClient } from "../../src/client/recs-client";
import { seededRandom } from "../../src/bandit/rng";
import { freePort, spawnServer } from "../helpers/process";
import { postgresAvailable, redisAvailable } from "../helpers/servers";
import { createTestStorage, testCatalog, type StoreKind } from "../helpers/service";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 300);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 16);
const REPORT_S = Number(process.env.SOAK_REPORT_S ?? 15);
const USERS = Number(process.env.SOAK_USERS ?? 5000);
const CATALOG = 500;

/** The server's own memory, from its Prometheus endpoint. */
async function serverMemory(metricsPort: number): Promise<{ rssMb: number; heapMb: number }> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const value = (suffix: string) => Number(new RegExp(`^\\w*${suffix} (\\S+)$`, "m").exec(text)?.[1] ?? NaN) / 1e6;
  return { rssMb: value("resident_memory_bytes"), heapMb: value("heap_size_used_bytes") };
}

async function main(): Promise<void> {
  const kind: StoreKind =
    process.env.SOAK_STORES === "embedded"
      ? "embedded"
      : process.env.SOAK_STORES === "real" || ((await postgresAvailable()) && (await redisAvailable()))
        ? "real"
        : "embedded";
  const storage = await createTestStorage(kind);
  const metricsPort = await freePort();
  const server = await spawnServer({
    ...storage.env,
    RECS_EMBEDDING_DIM: "8",
    RECS_LOAD_SAMPLE_CATALOG: "never",
    RECS_METRICS_PORT: String(metricsPort),
    RECS_REWARD_WAIT_MS: "5000",
  });
  const client = new RecsClient(server.target, { timeoutMs: 5_000 });
  const codes = new Map<string, number>();
  let calls = 0;
  let eventNo = 0;
  const count = (code: number) => {
    calls++;
    const name = status[code] ?? String(code);
    codes.set(name, (codes.get(name) ?? 0) + 1);
  };
  /** The first message of each failing status, to say why in the summary. */
  const firstDetails = new Map<string, string>();
  const failed = (err: unknown) => {
    const { code, details } = err as { code: number; details: string };
    count(code);
    if (!firstDetails.has(status[code] ?? String(code))) firstDetails.set(status[code] ?? String(code), details);
  };
  const call = async (promise: Promise<unknown>) => {
    try {
      await promise;
      count(status.OK);
    } catch (err) {
      failed(err);
    }
  };
  try {
    await client.upsertItems(testCatalog(CATALOG));
    const deadline = Date.now() + SECONDS * 1000;
    console.log(
      `soak: ${SECONDS} s, ${CONCURRENCY} callers, ${USERS} users, ${kind} stores, server pid ${server.child.pid}`,
    );
    console.log("   t(s)   calls/s       rss MB   heap MB   codes");
    const worker = async (seed: number) => {
      const rng = seededRandom(seed);
      while (Date.now() < deadline) {
        const user = `soak-u${Math.floor(rng() * USERS)}`;
        const session = `${user}-s${Math.floor(rng() * 3)}`;
        const roll = rng();
        if (roll < 0.6) {
          try {
            const rec = await client.recommend({
              userId: user,
              sessionId: session,
              k: 5,
              context: { device: rng() < 0.5 ? "mobile" : "desktop" },
            });
            count(status.OK);
            // Shoppers act on some recommendations; a few retries reuse their event id.
            if (rng() < 0.5 && rec.items.length > 0) {
              const item = rec.items[Math.floor(rng() * rec.items.length)]!;
              const eventId = rng() < 0.05 ? `soak-${eventNo}` : `soak-${++eventNo}`;
              await call(
                client.feedback({
                  eventId,
                  userId: user,
                  sessionId: session,
                  itemId: item.itemId,
                  type: rng() < 0.8 ? "CLICK" : "PURCHASE",
                  recommendationId: rec.recommendationId,
                }),
              );
            }
          } catch (err) {
            failed(err);
          }
        } else if (roll < 0.9) {
          await call(
            client.feedback({
              eventId: `soak-${++eventNo}`,
              userId: user,
              sessionId: session,
              itemId: `item-${Math.floor(rng() * CATALOG)}`,
              type: "CLICK",
            }),
          );
        } else if (roll < 0.97) {
          await call(client.getUserState(user, session));
        } else {
          const events = Array.from({ length: 200 }, () => ({
            eventId: `soak-${++eventNo}`,
            userId: `soak-u${Math.floor(rng() * USERS)}`,
            sessionId: "bulk",
            itemId: `item-${Math.floor(rng() * CATALOG)}`,
            type: "ADD_TO_CART" as const,
          }));
          await call(client.ingestFeedback(events));
        }
      }
    };
    const samples: Array<{ t: number; rssMb: number; heapMb: number }> = [];
    const started = Date.now();
    const reporter = (async () => {
      let lastCalls = 0;
      while (Date.now() < deadline) {
        await sleep(Math.min(REPORT_S * 1000, Math.max(0, deadline - Date.now())));
        const memory = await serverMemory(metricsPort);
        const t = (Date.now() - started) / 1000;
        samples.push({ t, ...memory });
        const rate = (calls - lastCalls) / REPORT_S;
        lastCalls = calls;
        console.log(
          `${t.toFixed(0).padStart(7)} ${rate.toFixed(0).padStart(9)} ${memory.rssMb.toFixed(1).padStart(12)} ` +
            `${memory.heapMb.toFixed(1).padStart(9)}   ${[...codes].map(([c, n]) => `${c}=${n}`).join(" ")}`,
        );
      }
    })();
    await Promise.all([...Array.from({ length: CONCURRENCY }, (_, i) => worker(i + 1)), reporter]);

    const broken = (codes.get("INTERNAL") ?? 0) + (codes.get("UNKNOWN") ?? 0);
    const warm = samples[Math.min(1, samples.length - 1)];
    const last = samples.at(-1);
    console.log(
      `soak done: ${calls} calls ` +
        `(${(calls / SECONDS).toFixed(0)}/s); ${[...codes].map(([c, n]) => `${c}=${n}`).join(" ")}`,
    );
    for (const [code, details] of firstDetails) console.log(`first ${code}: ${details}`);
    if (warm && last)
      console.log(
        `memory: heap ${warm.heapMb.toFixed(1)} → ${last.heapMb.toFixed(1)} MB, ` +
          `rss ${warm.rssMb.toFixed(1)} → ${last.rssMb.toFixed(1)} MB (after warm-up → end)`,
      );
    if (broken > 0) {
      console.error(
        `FAIL: ${broken} calls ended INTERNAL or UNKNOWN; see the server log:\n${server.output().slice(-4000)}`,
      );
      process.exitCode = 1;
    }
    if (warm && last && last.heapMb > 2 * warm.heapMb) {
      console.error("FAIL: the heap more than doubled after warm-up");
      process.exitCode = 1;
    }
  } finally {
    client.close();
    const exit = await server.signal("SIGTERM");
    if (exit.code !== 0) {
      console.error(`FAIL: server exited ${exit.code} on SIGTERM`);
      process.exitCode = 1;
    }
    await storage.drop();
  }
}

await main();
