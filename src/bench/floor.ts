import { Worker } from "node:worker_threads";
import { credentials, makeGenericClientConstructor, Metadata, type Client, type ServiceError } from "@grpc/grpc-js";
import { FLOOR_SERVICE, startFloorServer, type FloorServer, type FloorServerOptions } from "./floor-server";

type WorkerMessage = { kind: "listening"; port: number } | { kind: "failed"; message: string } | { kind: "stopped" };

/**
 * Starts the floor server on its own thread, so it does not share an event loop with the load
 * generator (the service under test has a whole process to itself). `inline` runs it on this thread
 * instead (for environments that cannot start a TypeScript worker).
 */
export async function startFloor(options: FloorServerOptions, inline = false): Promise<FloorServer> {
  if (inline) return startFloorServer(options);
  // Workers do not inherit the tsx loader: register it inside the worker before importing the entry.
  const tsx = import.meta.resolve("tsx/esm/api");
  const entry = new URL("./floor-worker.ts", import.meta.url).href;
  const bootstrap =
    `import(${JSON.stringify(tsx)}).then((m) => { m.register(); ` + `return import(${JSON.stringify(entry)}); });`;
  const worker = new Worker(bootstrap, { eval: true, workerData: options });
  const next = () =>
    new Promise<WorkerMessage>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      worker.once("error", onError);
      worker.once("message", (message: WorkerMessage) => {
        worker.off("error", onError);
        resolve(message);
      });
    });
  const first = await next();
  if (first.kind !== "listening") {
    await worker.terminate();
    throw new Error(`the floor server did not start: ${first.kind === "failed" ? first.message : first.kind}`);
  }
  return {
    port: first.port,
    async close() {
      const stopped = next();
      worker.postMessage({ kind: "stop" });
      await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      await worker.terminate();
    },
  };
}

const FloorClient = makeGenericClientConstructor(FLOOR_SERVICE, "Floor");

/** The generic constructor's stub, typed for its one method. */
type FloorStub = Client & {
  Probe(
    request: Buffer,
    metadata: Metadata,
    options: { deadline: number },
    callback: (err: ServiceError | null, value?: Buffer) => void,
  ): void;
};

/**
 * A client of the floor server over `connections` connections: `probe(i, worker)` reads key/row i on
 * connection worker mod connections (as the service's load does).
 */
export function floorClient(
  port: number,
  connections = 1,
  timeoutMs = 10_000,
): { probe(index: number, worker?: number): Promise<Buffer>; close(): void } {
  const options = connections > 1 ? { "grpc.use_local_subchannel_pool": 1 } : {};
  const clients = Array.from(
    { length: Math.max(1, connections) },
    () => new FloorClient(`127.0.0.1:${port}`, credentials.createInsecure(), options) as unknown as FloorStub,
  );
  return {
    probe: (index, worker = 0) =>
      new Promise<Buffer>((resolve, reject) =>
        clients[worker % clients.length]!.Probe(
          Buffer.from(String(index)),
          new Metadata(),
          { deadline: Date.now() + timeoutMs },
          (err, value) => (err ? reject(err) : resolve(value!)),
        ),
      ),
    close: () => {
      for (const client of clients) client.close();
    },
  };
}
