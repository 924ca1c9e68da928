/** Background tasks on intervals that never overlap themselves and never keep the process alive. */
export class Timers {
  private readonly handles: NodeJS.Timeout[] = [];
  onError: (err: unknown) => void = () => undefined;

  /** Runs `task` every `ms` (and once at once when `now`), skipping a tick while the last run is going. */
  every(ms: number, task: () => Promise<void>, now = false): void {
    let running = false;
    const tick = () => {
      if (running) return;
      running = true;
      task()
        .catch((err: unknown) => this.onError(err))
        .finally(() => (running = false));
    };
    const handle = setInterval(tick, ms);
    handle.unref();
    this.handles.push(handle);
    if (now) tick();
  }

  stopAll(): void {
    for (const handle of this.handles) clearInterval(handle);
    this.handles.length = 0;
  }
}
