/**
 * The metric a recs server exposes for its CPU time (prom-client's process metrics under the `recs_process_` prefix).
 */
const CPU_METRIC = "recs_process_process_cpu_seconds_total";

/**
 * The server's CPU seconds so far, read from its Prometheus endpoint (RECS_METRICS_PORT; with
 * RECS_WORKERS, the primary's sum over the workers). Taken before and after a phase, it gives the
 * server's CPU per call: a figure that moves far less with the host's speed than throughput does.
 */
export async function serverCpuSeconds(hostPort: string): Promise<number> {
  let text: string;
  try {
    const res = await fetch(`http://${hostPort}/metrics`);
    if (!res.ok) throw new Error(`/metrics answered HTTP ${res.status}`);
    text = await res.text();
  } catch (err) {
    throw new Error(
      `--server-metrics ${hostPort}: ${err instanceof Error ? err.message : String(err)} ` +
        `(is it the server's RECS_METRICS_PORT?)`,
    );
  }
  const line = text.split("\n").find((l) => l.startsWith(`${CPU_METRIC} `) || l.startsWith(`${CPU_METRIC}{`));
  const seconds = line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(" ") + 1));
  if (!Number.isFinite(seconds))
    throw new Error(
      `--server-metrics ${hostPort}: no ${CPU_METRIC} in its /metrics (is it a recs server's RECS_METRICS_PORT?)`,
    );
  return seconds;
}
