import { readFileSync } from "node:fs";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { HealthImplementation, protoPath as healthProtoPath } from "grpc-health-check";
import type { Config } from "../config";
import type { Engine } from "../engine/engine";
import { Unavailable } from "../errors";
import type { Logger } from "../log";
import { callsInFlight, hashApiKey, type CallPolicy } from "./calls";
import { catalogHandlers, recommenderHandlers, replicaHandlers, type EngineSource } from "./handlers";
import { LIMITS } from "./limits";
import type { ServerMetrics } from "./metrics";
import { loadRecsProto, PROTO_OPTIONS } from "./proto";
import { addReflection } from "./reflection";

/** The services whose health is reported; "" is the server as a whole. */
const HEALTH_SERVICES = ["", "recs.v1.Recommender", "recs.v1.Catalog", "recs.v1.Replica"] as const;

export interface RecsServer {
  /** The bound port (useful with RECS_PORT=0). */
  port: number;
  /** Hands the loaded engine to the handlers and marks every service SERVING. */
  serve(engine: Engine): void;
  /** Marks every service NOT_SERVING (draining). */
  setNotServing(): void;
  /** Stops taking calls and waits for in-flight calls, or forces them closed after `graceMs`. */
  drain(graceMs: number): Promise<void>;
}

/** TLS when configured (and client-certificate checks with a client CA), else plaintext. */
function credentials(config: Config): ServerCredentials {
  if (!config.tlsCert || !config.tlsKey) return ServerCredentials.createInsecure();
  const read = (path: string, key: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(
        `${key}=${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}): point it at a PEM file`,
      );
    }
  };
  const ca = config.tlsClientCa ? read(config.tlsClientCa, "RECS_TLS_CLIENT_CA") : null;
  return ServerCredentials.createSsl(
    ca,
    [{ cert_chain: read(config.tlsCert, "RECS_TLS_CERT"), private_key: read(config.tlsKey, "RECS_TLS_KEY") }],
    ca !== null,
  );
}

/**
 * Builds the gRPC server with every service and binds it at once, so a readiness probe sees
 * NOT_SERVING (and calls get UNAVAILABLE) while the stores, catalog and model load.
 */
export async function startGrpcServer(config: Config, logger: Logger, metrics: ServerMetrics): Promise<RecsServer> {
  let engine: Engine | null = null;
  const engines: EngineSource = {
    ready() {
      if (!engine) throw new Unavailable("the service is starting (loading state); retry shortly");
      return engine;
    },
  };
  const { definition, grpc } = loadRecsProto();
  const server = new Server({
    "grpc.max_receive_message_length": LIMITS.messageBytes,
    "grpc.max_send_message_length": LIMITS.messageBytes,
  });
  const policy: CallPolicy = {
    logger,
    metrics,
    apiKeyHashes: config.apiKeys.map(hashApiKey),
    maxInFlight: config.maxInFlight,
  };
  server.addService(grpc.recs.v1.Recommender.service, recommenderHandlers(engines, policy));
  server.addService(grpc.recs.v1.Catalog.service, catalogHandlers(engines, policy));
  server.addService(grpc.recs.v1.Replica.service, replicaHandlers(engines, policy));
  const health = new HealthImplementation(Object.fromEntries(HEALTH_SERVICES.map((name) => [name, "NOT_SERVING"])));
  health.addToServer(server);
  // Reflection describes the health service too, so grpcurl and friends see everything the port serves.
  addReflection(server, { ...definition, ...loadSync(healthProtoPath, PROTO_OPTIONS) }, policy);

  const address = `${config.host.includes(":") ? `[${config.host}]` : config.host}:${config.port}`;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, credentials(config), (err, bound) =>
      err
        ? reject(
            new Error(`cannot listen on ${address} (${err.message}): pick another RECS_PORT or stop what holds it`),
          )
        : resolve(bound),
    ),
  );

  return {
    port,
    serve(loaded) {
      engine = loaded;
      for (const name of HEALTH_SERVICES) health.setStatus(name, "SERVING");
    },
    setNotServing() {
      for (const name of HEALTH_SERVICES) health.setStatus(name, "NOT_SERVING");
    },
    async drain(graceMs) {
      await new Promise<void>((resolve) => {
        let finished = false;
        const finish = (force: boolean) => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          clearInterval(poll);
          if (force) server.forceShutdown();
          resolve();
        };
        const timer = setTimeout(() => {
          if (callsInFlight(policy) > 0)
            logger.warn(
              { graceMs, inFlight: callsInFlight(policy) },
              "in-flight calls did not finish in time; closing them",
            );
          finish(true);
        }, graceMs);
        // Health watches never end by themselves; once the service's own calls are done (and watchers
        // have had a moment to receive NOT_SERVING), close them.
        const started = Date.now();
        const poll = setInterval(() => {
          if (callsInFlight(policy) === 0 && Date.now() - started >= 200) finish(true);
        }, 20);
        timer.unref();
        poll.unref();
        server.tryShutdown(() => finish(false));
      });
    },
  };
}
