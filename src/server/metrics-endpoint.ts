import { createServer, type Server as HttpServer } from "node:http";
import type { Config } from "../config";
import type { Logger } from "../log";

/** Serves `source`'s metrics as Prometheus text at /metrics on RECS_METRICS_PORT (the cluster primary passes the workers' aggregate). */
export async function serveMetrics(source: { metrics(): Promise<string>; readonly contentType: string }, config: Config, logger: Logger): Promise<HttpServer> {
  const server = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end("only /metrics is served here\n");
      return;
    }
    source.metrics().then(
      (body) => res.writeHead(200, { "content-type": source.contentType }).end(body),
      (err: unknown) => {
        logger.error({ err }, "metrics collection failed");
        res.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => reject(new Error(`cannot serve metrics on ${config.host}:${config.metricsPort} (${err.message}): pick another RECS_METRICS_PORT`)));
    server.listen(config.metricsPort, config.host, () => resolve());
  });
  return server;
}
