import { createServer, type Server as HttpServer } from "node:http";
import type { Config } from "../config";
import type { Logger } from "../log";
import { LIVE_PAGE_HTML } from "./live-page";
import { summarize } from "./metrics-summary";

/** Where the service is in its life, as the readiness probe reports it. */
export type Readiness = "starting" | "ready" | "stopping";

/**
 * Serves on RECS_METRICS_PORT: `source`'s metrics as Prometheus text at /metrics (the cluster primary
 * passes the workers' aggregate), and the probes Kubernetes expects. /healthz (liveness) answers 200
 * whenever the process answers at all; /readyz answers 200 only while `readiness()` is "ready" (stores
 * open, catalog and model loaded, not stopping) and 503 otherwise, so traffic goes elsewhere without
 * the process being restarted. A store outage later keeps it ready: the service answers degraded.
 * / is the operator's live page, which polls /summary.json (the same metrics, summed up as JSON).
 */
export async function serveMetrics(
  source: { metrics(): Promise<string>; readonly contentType: string },
  config: Config,
  logger: Logger,
  readiness: () => Readiness,
): Promise<HttpServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"status":"alive"}\n');
      return;
    }
    if (path === "/readyz") {
      const state = readiness();
      res
        .writeHead(state === "ready" ? 200 : 503, { "content-type": "application/json" })
        .end(`${JSON.stringify({ status: state })}\n`);
      return;
    }
    if (path === "/") {
      res
        .writeHead(200, {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-store",
          "content-security-policy": PAGE_POLICY,
        })
        .end(LIVE_PAGE_HTML);
      return;
    }
    if (path !== "/metrics" && path !== "/summary.json") {
      res.writeHead(404).end("only /, /summary.json, /metrics, /healthz and /readyz are served here\n");
      return;
    }
    source.metrics().then(
      (body) =>
        path === "/metrics"
          ? res.writeHead(200, { "content-type": source.contentType }).end(body)
          : res
              .writeHead(200, { "content-type": "application/json", "cache-control": "no-store" })
              .end(JSON.stringify(summarize(body))),
      (err: unknown) => {
        logger.error({ err }, "metrics collection failed");
        res.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) =>
      reject(
        new Error(
          `cannot serve metrics on ${config.host}:${config.metricsPort} (${err.message}): ` +
            `pick another RECS_METRICS_PORT`,
        ),
      ),
    );
    server.listen(config.metricsPort, config.host, () => resolve());
  });
  return server;
}

/** The page may load nothing from elsewhere: its own inline script and style, and fetches to this origin. */
const PAGE_POLICY =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:";

/** Stops the endpoint (null: there is none). */
export function closeMetrics(server: HttpServer | null): Promise<void> {
  return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
}
