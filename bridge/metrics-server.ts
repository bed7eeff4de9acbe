// GET /metrics (Prometheus text format) and GET /healthz (200 while Kafka is reachable, 503 otherwise,
// so an orchestrator stops routing devices to a bridge that could not acknowledge them).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface Health {
  ok: boolean;
  /** Shown in the body, for people. */
  detail: Record<string, unknown>;
}

export class MetricsServer {
  #server: Server | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    /** The registry to show (the bridge's own merged with its ingest worker's). */
    private readonly registry: () => Promise<Registry>,
    private readonly health: () => Health,
  ) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const url = (req.url ?? "/").split("?")[0];
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD" }).end();
      } else if (url === "/metrics") {
        this.registry()
          .then(async (registry) => ({ text: await registry.metrics(), type: registry.contentType }))
          .then(
            ({ text, type }) => res.writeHead(200, { "content-type": type }).end(text),
            (err: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`${err.message}\n`),
          );
      } else if (url === "/healthz") {
        const h = this.health();
        res
          .writeHead(h.ok ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" })
          .end(`${JSON.stringify({ status: h.ok ? "ok" : "unavailable", ...h.detail })}\n`);
      } else {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics or /healthz\n");
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, this.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.#server = server;
  }

  address(): { host: string; port: number } {
    const a = this.#server?.address() as AddressInfo | null | undefined;
    return { host: this.host, port: a?.port ?? this.port };
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
