/**
 * A TCP proxy in front of a real PostgreSQL, for faults a test places exactly: it reads the
 * PostgreSQL protocol going to the server (message type and text only, never changing a byte) and
 * can cut the connections at the moment a COMMIT is answered, or refuse new connections for a while.
 */
import net from "node:net";

type CommitFault = "drop-answer" | "cut-after-answer";

export class PgProxy {
  private readonly sockets = new Set<net.Socket>();
  private armed: { fault: CommitFault; done: () => void } | null = null;
  private refuseUntil = 0;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  /** Listens on a free port of 127.0.0.1 and forwards to `target` (a postgres:// URL's host and port). */
  static async start(target: string): Promise<PgProxy> {
    const u = new URL(target);
    const server = net.createServer((client) => proxy.accept(client, u.hostname, Number(u.port || 5432)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const proxy = new PgProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string {
    const u = new URL(url);
    u.hostname = "127.0.0.1";
    u.port = String(this.port);
    return u.toString();
  }

  /**
   * The next COMMIT the server answers: "drop-answer" cuts both sides instead of passing the answer on
   * (the change is committed, the client never hears it); "cut-after-answer" passes it on, then cuts
   * every connection and refuses new ones for `refuseMs`. Resolves when it has happened.
   */
  onNextCommit(fault: CommitFault, refuseMs = 0): Promise<void> {
    return new Promise((resolve) => {
      this.armed = {
        fault,
        done: () => {
          this.refuseFor(refuseMs);
          resolve();
        },
      };
    });
  }

  /** Cuts every open connection. */
  cutAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  /** New connections are closed at once for `ms`. */
  refuseFor(ms: number): void {
    this.refuseUntil = Date.now() + ms;
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket, host: string, port: number): void {
    if (Date.now() < this.refuseUntil) return void client.destroy();
    const upstream = net.connect(port, host);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
      s.on("error", () => undefined);
    }
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());

    // client → server: passed on as is, read as messages to spot a COMMIT
    let pending = Buffer.alloc(0);
    let started = false;
    let commitSent: { fault: CommitFault; done: () => void } | null = null;
    client.on("data", (chunk: Buffer) => {
      upstream.write(chunk);
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        if (!started) {
          // the startup message (or an SSL request before it) has no type byte
          if (pending.length < 4) break;
          const len = pending.readInt32BE(0);
          if (pending.length < len) break;
          const code = pending.readInt32BE(4);
          pending = pending.subarray(len);
          if (code !== 80877103 && code !== 80877104) started = true; // not SSLRequest / GSSENCRequest
          continue;
        }
        if (pending.length < 5) break;
        const len = pending.readInt32BE(1);
        if (pending.length < 1 + len) break;
        const type = String.fromCharCode(pending[0]);
        const body = pending.subarray(5, 1 + len);
        pending = pending.subarray(1 + len);
        if (this.armed && (type === "Q" || type === "P")) {
          // Q: the text; P: statement name, then the text
          const text = (type === "Q" ? body : body.subarray(body.indexOf(0) + 1)).toString("utf8").replace(/\0.*$/s, "").trim();
          if (/^COMMIT\b/i.test(text)) {
            commitSent = this.armed;
            this.armed = null;
          }
        }
      }
    });
    // server → client: the answer after a watched COMMIT is where the fault happens
    upstream.on("data", (chunk: Buffer) => {
      const fault = commitSent;
      if (!fault) return void client.write(chunk);
      commitSent = null;
      if (fault.fault === "drop-answer") {
        cut();
        fault.done();
      } else {
        client.write(chunk, () => {
          fault.done();
          this.cutAll();
        });
      }
    });
  }
}
