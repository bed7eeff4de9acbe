// Network listeners of the embedded broker: MQTT over TCP, over TLS, over WebSocket. Each accepts
// connections and hands them to the broker with what it knows about itself (loopback or not).
import { readFile } from "node:fs/promises";
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from "node:http";
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from "node:net";
import type { Duplex } from "node:stream";
import { createServer as createTlsServer } from "node:tls";
import { createWebSocketStream, WebSocketServer } from "ws";
import { isLoopbackHost, type ListenerInfo } from "./access-policy.js";

export type ConnectionHandler = (conn: Duplex, listener: ListenerInfo, req?: IncomingMessage) => void;

export interface MqttListener {
  readonly info: ListenerInfo;
  /** Starts listening; resolves once bound. */
  start(): Promise<void>;
  /** Stops accepting connections; resolves once the existing ones have closed too. */
  stop(): Promise<void>;
  /** The bound address (the real port when 0 was asked for). */
  address(): { host: string; port: number };
}

function listen(server: NetServer | HttpServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

function close(server: NetServer | HttpServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

function boundAddress(server: NetServer | HttpServer, host: string): { host: string; port: number } {
  const a = server.address() as AddressInfo | null;
  return { host, port: a?.port ?? 0 };
}

/** A listener over one net/tls server: what TCP and TLS share; each says how to make its server. */
abstract class SocketListener implements MqttListener {
  #server: NetServer | undefined;

  constructor(
    readonly info: ListenerInfo,
    protected readonly host: string,
    protected readonly port: number,
    protected readonly onConnection: ConnectionHandler,
    private readonly maxConnections: number,
  ) {}

  protected abstract createServer(accept: (socket: Socket) => void): Promise<NetServer>;

  async start(): Promise<void> {
    const server = await this.createServer((socket) => {
      // Readings are small and latency matters more than packing: do not wait to coalesce PUBACKs.
      socket.setNoDelay(true);
      this.onConnection(socket, this.info);
    });
    server.maxConnections = this.maxConnections;
    await listen(server, this.host, this.port);
    this.#server = server;
  }

  stop(): Promise<void> {
    return this.#server ? close(this.#server) : Promise.resolve();
  }

  address() {
    return this.#server ? boundAddress(this.#server, this.host) : { host: this.host, port: this.port };
  }
}

export class TcpListener extends SocketListener {
  constructor(host: string, port: number, onConnection: ConnectionHandler, maxConnections: number) {
    super({ name: "tcp", loopback: isLoopbackHost(host) }, host, port, onConnection, maxConnections);
  }

  protected override async createServer(accept: (socket: Socket) => void): Promise<NetServer> {
    return createNetServer(accept);
  }
}

export interface TlsFiles {
  key: string;
  cert: string;
  /** With a CA, clients must present a certificate it signed. */
  ca?: string;
}

export class TlsListener extends SocketListener {
  constructor(
    host: string,
    port: number,
    private readonly files: TlsFiles,
    onConnection: ConnectionHandler,
    maxConnections: number,
  ) {
    super({ name: "tls", loopback: isLoopbackHost(host) }, host, port, onConnection, maxConnections);
  }

  protected override async createServer(accept: (socket: Socket) => void): Promise<NetServer> {
    const [key, cert, ca] = await Promise.all([
      readFile(this.files.key),
      readFile(this.files.cert),
      this.files.ca ? readFile(this.files.ca) : Promise.resolve(undefined),
    ]);
    return createTlsServer(
      { key, cert, ca, requestCert: ca !== undefined, rejectUnauthorized: ca !== undefined },
      accept,
    );
  }
}

export class WebSocketListener implements MqttListener {
  readonly info: ListenerInfo;
  #http: HttpServer | undefined;
  #wss: WebSocketServer | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly path: string,
    private readonly onConnection: ConnectionHandler,
    private readonly maxConnections: number,
  ) {
    this.info = { name: "ws", loopback: isLoopbackHost(host) };
  }

  async start(): Promise<void> {
    const http = createHttpServer((_req, res) => {
      res.writeHead(426, { "content-type": "text/plain" }).end("MQTT over WebSocket: upgrade required\n");
    });
    http.maxConnections = this.maxConnections;
    // MQTT over WebSocket names its subprotocol "mqtt" (MQTT 3.1.1 §6).
    const wss = new WebSocketServer({
      server: http,
      path: this.path,
      handleProtocols: (protocols) =>
        protocols.has("mqtt") ? "mqtt" : protocols.has("mqttv3.1") ? "mqttv3.1" : false,
    });
    wss.on("connection", (ws, req) => {
      const stream = createWebSocketStream(ws);
      stream.on("error", () => ws.terminate());
      this.onConnection(stream, this.info, req);
    });
    await listen(http, this.host, this.port);
    this.#http = http;
    this.#wss = wss;
  }

  async stop(): Promise<void> {
    const wss = this.#wss;
    if (wss) await new Promise<void>((resolve) => wss.close(() => resolve()));
    if (this.#http) await close(this.#http);
  }

  address() {
    return this.#http ? boundAddress(this.#http, this.host) : { host: this.host, port: this.port };
  }
}
