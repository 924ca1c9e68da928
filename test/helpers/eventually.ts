/** Retries `attempt` until it stops throwing or `ms` pass (then rethrows); returns how long that took. */
export async function eventually(attempt: () => Promise<void>, ms: number, everyMs = 50): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await attempt();
      return Date.now() - started;
    } catch (err) {
      if (Date.now() - started > ms) throw err;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }
}
