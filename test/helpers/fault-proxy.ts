import { createServer, connect, type Server, type Socket } from "node:net";

/** What the proxy does to traffic, like Toxiproxy's toxics. */
export type FaultMode =
  /** Forwards bytes as they come. */
  | { kind: "pass" }
  /** Forwards every chunk `ms` later, in order, both ways (a slow network or an overloaded server). */
  | { kind: "delay"; ms: number }
  /**
   * Accepts and keeps connections but forwards nothing, as a hung server or a partition would. Bytes are
   * held by TCP back-pressure, not dropped: TCP retransmits, so when the fault ends they arrive late and
   * in order, which is what a client's protocol state expects.
   */
  | { kind: "blackhole" }
  /** Drops every connection and refuses new ones, as a crashed server would. */
  | { kind: "cut" };

/** One proxied connection: the client's socket, the upstream socket and their delayed-write queues. */
interface Link {
  client: Socket;
  upstream: Socket;
}

/**
 * A TCP proxy in front of a real server (Redis, Postgres) that a test switches between pass, delay,
 * blackhole and cut, to play faults without touching the servers other suites share. The port stays the
 * same across modes, so the service under test keeps one URL and must reconnect by itself.
 */
export class FaultProxy {
  private server: Server | null = null;
  private readonly links = new Set<Link>();
  private listenPort = 0;
  private current: FaultMode = { kind: "pass" };
  /** Bytes forwarded in either direction, for tests that want to see traffic flowing. */
  bytesForwarded = 0;
  /** Connections accepted and forwarded since the start. */
  connectionsAccepted = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** A proxy in front of the server of a URL (`redis://…`, `postgres://…`). */
  static forUrl(url: string, defaultPort: number): FaultProxy {
    const parsed = new URL(url);
    return new FaultProxy(parsed.hostname, Number(parsed.port || defaultPort));
  }

  get port(): number {
    return this.listenPort;
  }

  get mode(): FaultMode {
    return this.current;
  }

  /** The URL with host and port replaced by the proxy's. */
  proxiedUrl(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = "127.0.0.1";
    parsed.port = String(this.listenPort);
    return parsed.toString();
  }

  /** Starts listening on a free port in pass mode; returns the port. */
  async start(): Promise<number> {
    await this.listen();
    return this.listenPort;
  }

  /** Switches the mode; returns once the new mode holds for every connection. */
  async set(mode: FaultMode): Promise<void> {
    const previous = this.current;
    this.current = mode;
    if (mode.kind === "cut") {
      // close() waits for open connections, so they are dropped while it waits.
      const closing = this.closeListener();
      for (const link of this.links) this.destroy(link);
      await closing;
      return;
    }
    if (!this.server) await this.listen();
    if (previous.kind === "blackhole" && mode.kind !== "blackhole") {
      for (const link of this.links) {
        link.client.resume();
        link.upstream.resume();
      }
    }
    if (mode.kind === "blackhole") {
      for (const link of this.links) {
        link.client.pause();
        link.upstream.pause();
      }
    }
  }

  pass(): Promise<void> {
    return this.set({ kind: "pass" });
  }
  delay(ms: number): Promise<void> {
    return this.set({ kind: "delay", ms });
  }
  blackhole(): Promise<void> {
    return this.set({ kind: "blackhole" });
  }
  cut(): Promise<void> {
    return this.set({ kind: "cut" });
  }

  /** Connections open now. */
  get connections(): number {
    return this.links.size;
  }

  async stop(): Promise<void> {
    await this.cut();
  }

  private async listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.listenPort, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("proxy has no TCP address");
    this.listenPort = address.port;
    this.server = server;
  }

  private async closeListener(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.current.kind === "cut") {
      client.destroy();
      return;
    }
    this.connectionsAccepted++;
    const upstream = connect(this.targetPort, this.targetHost);
    const link: Link = { client, upstream };
    this.links.add(link);
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      socket.on("error", () => this.destroy(link));
      socket.on("close", () => this.destroy(link));
    }
    this.forward(client, upstream);
    this.forward(upstream, client);
    if (this.current.kind === "blackhole") {
      client.pause();
      upstream.pause();
    }
  }

  /**
   * Copies `from` to `to` under the current mode. A delayed chunk is due at its arrival plus the delay,
   * but never before the chunk ahead of it, so order holds even when the delay changes.
   */
  private forward(from: Socket, to: Socket): void {
    let lastDueAt = 0;
    from.on("data", (chunk: Buffer) => {
      const mode = this.current;
      const delayMs = mode.kind === "delay" ? mode.ms : 0;
      const dueAt = Math.max(Date.now() + delayMs, lastDueAt);
      lastDueAt = dueAt;
      const write = () => {
        if (to.destroyed) return;
        this.bytesForwarded += chunk.length;
        if (!to.write(chunk)) {
          from.pause();
          to.once("drain", () => {
            if (this.current.kind !== "blackhole") from.resume();
          });
        }
      };
      const wait = dueAt - Date.now();
      if (wait <= 0) write();
      else setTimeout(write, wait);
    });
  }

  private destroy(link: Link): void {
    if (!this.links.delete(link)) return;
    link.client.destroy();
    link.upstream.destroy();
  }
}
