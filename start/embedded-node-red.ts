// Node-RED 5 embedded in this process: an express 4 app on our own HTTP server, the runtime's
// editor and HTTP-node apps mounted on it, its own user directory, and our nodes loaded from our
// Node-RED package. Node-RED's `nodesDir` pointed at a package root that has a "node-red" section loads
// that package as a module (its node-red.nodes and its examples/), exactly as an installed one; other
// Node-RED modules installed beside node-red (the dashboard) are found by its usual scan.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { AdminCredentials } from "./admin-auth.js";
import {
  createExpressApp,
  type FlowNode,
  loadNodeRed,
  NODE_RED_LEVELS,
  type NodeRedLogRecord,
  type NodeRedRuntime,
} from "./node-red-api.js";

export interface EmbeddedNodeRedOptions {
  host: string;
  port: number;
  /** Node-RED's user directory (flows.json, credentials, context). */
  userDir: string;
  /** Where nodes resolve relative file paths (the csv-writer's base directory). */
  fileWorkingDirectory: string;
  /** Our Node-RED package's folder: loaded as a Node-RED module. */
  nodesPackageDir: string;
  admin?: AdminCredentials;
  credentialSecret?: string;
  logLevel: keyof typeof NODE_RED_LEVELS;
  /** Where Node-RED's log lines go (stderr: stdout is left to the command). */
  log: (line: string) => void;
}

export const DASHBOARD_PATH = "/dashboard";
const FLOW_FILE = "flows.json";
/** How often the file context store writes what changed (seconds). */
export const CONTEXT_FLUSH_SECONDS = 1;

function logText(msg: unknown): string {
  if (msg instanceof Error) return msg.stack ?? msg.message;
  return typeof msg === "string" ? msg : JSON.stringify(msg);
}

type FlowState = "stopping" | "stopped" | "starting" | "started";
const FLOW_EVENTS: Record<string, FlowState> = {
  "flows:stopping": "stopping",
  "flows:stopped": "stopped",
  "flows:starting": "starting",
  "flows:started": "started",
};
/** Longest wait at stop for a deploy in progress to finish starting its flows. */
const DEPLOY_SETTLE_MS = 15_000;

const LEVEL_NAMES = Object.fromEntries(Object.entries(NODE_RED_LEVELS).map(([k, v]) => [v, k]));

export class EmbeddedNodeRed {
  #red: NodeRedRuntime | undefined;
  #server: Server | undefined;
  #firstStart = false;
  #flowState: FlowState = "started";
  #flowStarted: (() => void) | undefined;
  readonly #onFlowEvent = new Map<string, () => void>();

  constructor(private readonly options: EmbeddedNodeRedOptions) {}

  /** True when this start found no flows file: nothing deployed yet, the caller may deploy a flow. */
  get firstStart(): boolean {
    return this.#firstStart;
  }

  settings(): Record<string, unknown> {
    const o = this.options;
    const settings: Record<string, unknown> = {
      userDir: o.userDir,
      flowFile: FLOW_FILE,
      nodesDir: [o.nodesPackageDir],
      fileWorkingDirectory: o.fileWorkingDirectory,
      uiHost: o.host,
      uiPort: o.port,
      httpAdminRoot: "/",
      httpNodeRoot: "/",
      // Context (our nodes' state, the function nodes' context) in files under the user directory
      // (<data-dir>/node-red/context), so it survives a restart. The file store caches in memory
      // and writes what changed every flushInterval seconds, and on a clean stop: 1 s, so that a
      // killed process loses at most about 5 s of node state (the nodes save at most 4 s after a
      // change). "memory" stays available for state that should not outlive the process.
      contextStorage: {
        default: { module: "localfilesystem", config: { flushInterval: CONTEXT_FLUSH_SECONDS } },
        memory: { module: "memory" },
      },
      // The function node may not npm-install modules at run time.
      functionExternalModules: false,
      externalModules: { autoInstall: false },
      // No consent prompt and no update check: this may run without network access.
      telemetry: { enabled: false, updateNotification: false },
      diagnostics: { enabled: true, ui: false },
      editorTheme: {
        page: { title: "HomeStream" },
        header: { title: "HomeStream" },
        projects: { enabled: false },
        tours: false,
      },
      logging: {
        homestream: {
          level: o.logLevel,
          metrics: false,
          audit: false,
          handler: () => (r: NodeRedLogRecord) => {
            const where = r.type ? `[${r.type}${r.name ? `:${r.name}` : ""}] ` : "";
            o.log(`node-red ${LEVEL_NAMES[r.level] ?? r.level}: ${where}${logText(r.msg)}`);
          },
        },
      },
    };
    if (o.credentialSecret !== undefined) settings.credentialSecret = o.credentialSecret;
    if (o.admin) {
      settings.adminAuth = o.admin.nodeRedAdminAuth();
      settings.httpNodeMiddleware = o.admin.basicAuth("HomeStream");
    }
    return settings;
  }

  async start(): Promise<AddressInfo> {
    const o = this.options;
    await mkdir(o.userDir, { recursive: true });
    this.#firstStart = !existsSync(path.join(o.userDir, FLOW_FILE));

    const red = loadNodeRed();
    const app = createExpressApp();
    app.disable("x-powered-by");
    const server = createServer(app);
    red.init(server, this.settings());
    // The dashboard (and its socket.io under the same path) is served outside the editor's login.
    if (o.admin) app.use(DASHBOARD_PATH, o.admin.basicAuth("HomeStream dashboard"));
    app.use("/", red.httpAdmin);
    app.use("/", red.httpNode);
    this.#red = red;
    this.#server = server;
    for (const [event, state] of Object.entries(FLOW_EVENTS)) {
      const listener = () => {
        this.#flowState = state;
        if (state === "started") this.#flowStarted?.();
      };
      this.#onFlowEvent.set(event, listener);
      red.events.on(event, listener);
    }

    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(o.port, o.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    await red.start();
    return server.address() as AddressInfo;
  }

  /** Deploys `nodes` as the whole configuration (a full deploy, as the editor's Deploy button does). */
  async deploy(nodes: FlowNode[]): Promise<void> {
    if (!this.#red) throw new Error("Node-RED is not running");
    await this.#red.runtime.flows.setFlows({ flows: { flows: nodes }, deploymentType: "full" });
  }

  async flows(): Promise<FlowNode[]> {
    if (!this.#red) throw new Error("Node-RED is not running");
    return (await this.#red.runtime.flows.getFlows({})).flows;
  }

  /**
   * Node-RED answers a deploy before it has restarted the flows, and a stop in that gap would see its
   * flows started again afterwards (and the process never end). So a deploy under way finishes first.
   */
  #deploySettled(): Promise<void> {
    if (this.#flowState === "started") return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, DEPLOY_SETTLE_MS);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.#flowStarted = undefined;
        resolve();
      }
      this.#flowStarted = done;
    });
  }

  /** Stops the flows (nodes close: the csv-writer drains its queue), then the HTTP server. */
  async stop(): Promise<void> {
    const red = this.#red;
    const server = this.#server;
    this.#red = undefined;
    this.#server = undefined;
    if (red) {
      await this.#deploySettled();
      for (const [event, listener] of this.#onFlowEvent) red.events.off(event, listener);
      this.#onFlowEvent.clear();
      await red.stop();
    }
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Editor websockets and keep-alive connections would otherwise hold the server open.
      server.closeAllConnections();
      await closed;
    }
  }
}
