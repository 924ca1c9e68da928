import {
  Server,
  ServerCredentials,
  status as Status,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { Redis } from "ioredis";
import pg from "pg";

/** The floor's one RPC: raw bytes in and out, so no time goes to anything but the transport and two reads. */
export const FLOOR_SERVICE: ServiceDefinition = {
  Probe: {
    path: "/recs.bench.Floor/Probe",
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Buffer) => value,
    requestDeserialize: (bytes: Buffer) => bytes,
    responseSerialize: (value: Buffer) => value,
    responseDeserialize: (bytes: Buffer) => bytes,
    originalName: "probe",
  },
};

export interface FloorServerOptions {
  databaseUrl: string;
  redisUrl: string;
  /** Rows and keys to read from (request bodies name one by its index). */
  keys: number;
  /** Unique per run: names the table and the Redis keys, which are removed on close. */
  tag: string;
  dim: number;
}

export interface FloorServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The machine's floor for one request: a bare grpc-js unary handler doing one Redis GET and one
 * Postgres primary-key SELECT (in parallel, as Recommend reads session and profile), with the same
 * pool size as the service (10 connections) and one Redis connection.
 */
export async function startFloorServer(options: FloorServerOptions): Promise<FloorServer> {
  if (!/^[a-z0-9]+$/.test(options.tag))
    throw new Error(`floor tag must be lowercase letters and digits, got "${options.tag}"`);
  const table = `recs_bench_floor_${options.tag}`;
  const keyOf = (index: number) => `recs-bench-floor:${options.tag}:${index}`;
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10, application_name: "recs-bench-floor" });
  pool.on("error", () => undefined);
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  const server = new Server();
  try {
    await redis.connect();
    await pool.query(
      `CREATE TABLE ${table} (user_id text PRIMARY KEY, embedding real[] NOT NULL, ` +
        `interaction_count bigint NOT NULL, updated_at timestamptz NOT NULL)`,
    );
    await pool.query(
      `INSERT INTO ${table} SELECT 'bench-u-' || i, array_fill(0.1::real, ARRAY[$2::int]), i, now() ` +
        `FROM generate_series(0, $1::int - 1) AS i`,
      [options.keys, options.dim],
    );
    await pool.query(`ANALYZE ${table}`);
    // A session window's worth of bytes, like the service's Redis list entries.
    const windowValue = JSON.stringify(
      Array.from({ length: 10 }, (_, i) => ({ itemId: `item-${i}`, type: "click", atMs: Date.now() })),
    );
    for (let start = 0; start < options.keys; start += 1000) {
      const batch = redis.pipeline();
      for (let i = start; i < Math.min(options.keys, start + 1000); i++) batch.set(keyOf(i), windowValue, "EX", 3600);
      await batch.exec();
    }
    const select = `SELECT user_id, embedding, interaction_count, updated_at FROM ${table} WHERE user_id = $1`;
    const implementation: UntypedServiceImplementation = {
      Probe: (
        call: { request: Buffer },
        callback: (err: { code: Status; details: string } | null, value?: Buffer) => void,
      ) => {
        const index = Number(call.request.toString()) % options.keys;
        Promise.all([
          redis.get(keyOf(index)),
          pool.query({ name: "floor-probe", text: select, values: [`bench-u-${index}`] }),
        ]).then(
          ([window, rows]) => callback(null, Buffer.from(`${window?.length ?? 0}:${rows.rowCount}`)),
          (err: unknown) => callback({ code: Status.UNAVAILABLE, details: String(err) }),
        );
      },
    };
    server.addService(FLOOR_SERVICE, implementation);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, bound) =>
        err ? reject(err) : resolve(bound),
      ),
    );
    return {
      port,
      async close() {
        server.forceShutdown();
        await cleanUp();
      },
    };
  } catch (err) {
    server.forceShutdown();
    await cleanUp();
    throw err;
  }

  async function cleanUp(): Promise<void> {
    await pool.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    if (redis.status === "ready") {
      for (let start = 0; start < options.keys; start += 1000) {
        const keys = Array.from({ length: Math.min(1000, options.keys - start) }, (_, i) => keyOf(start + i));
        await redis.del(...keys).catch(() => undefined);
      }
    }
    redis.disconnect();
    await pool.end().catch(() => undefined);
  }
}
