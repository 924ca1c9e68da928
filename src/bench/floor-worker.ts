/** Entry point of the worker thread that hosts the floor server (its own event loop, like a separate server). */
import { parentPort, workerData } from "node:worker_threads";
import { startFloorServer, type FloorServerOptions } from "./floor-server";

const port = parentPort;
if (!port) throw new Error("floor-worker.ts runs only as a worker thread");
startFloorServer(workerData as FloorServerOptions).then(
  (server) => {
    port.postMessage({ kind: "listening", port: server.port });
    port.on("message", (message: { kind: string }) => {
      if (message.kind === "stop") void server.close().finally(() => port.postMessage({ kind: "stopped" }));
    });
  },
  (err: unknown) => port.postMessage({ kind: "failed", message: err instanceof Error ? err.message : String(err) }),
);
