// A whole Node-RED runtime in this process (editor API on a loopback port), with our Node-RED package's
// compiled nodes loaded from nodes/dist/ the way an install loads them: through the package.json
// "node-red" section. Used where the test helper is not enough: Node-RED 4.1, the example flows,
// the admin API. Needs `npm run build` first.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "../..");

export function assertBuilt(): void {
  if (!existsSync(join(root, "nodes", "dist", "csv-writer", "csv-writer.js"))) {
    throw new Error("nodes/dist/ has no compiled nodes: run `npm run build` first");
  }
}

/**
 * Folder names of the other Node-RED node packages in node_modules (the dashboard, say): Node-RED
 * scans node_modules up from its own folder and would load them too. Excluding them keeps the
 * runtime down to the core nodes and this package.
 */
function otherNodePackages(): string[] {
  const names: string[] = [];
  const modules = join(root, "node_modules");
  const consider = (dir: string) => {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        "node-red"?: { nodes?: object };
      };
      if (pkg["node-red"]?.nodes) names.push(basename(dir));
    } catch {
      // not a package
    }
  };
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith("@"))
      for (const sub of readdirSync(join(modules, entry))) consider(join(modules, entry, sub));
    else consider(join(modules, entry));
  }
  return names;
}

interface RedModule {
  init(server: Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  httpAdmin: (req: unknown, res: unknown) => void;
  version(): string;
  events: { once(event: string, listener: () => void): void };
}

export interface EmbeddedRed {
  url: string;
  version: string;
  userDir: string;
  /** A request to the admin API, JSON in and out. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** Replaces every flow (a full deploy) and resolves once the new flows have started. */
  deploy(flows: unknown[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the runtime at `redPath` (require path of node-red or an alias) with this package as
 * its only contributed module (others installed here, such as the dashboard, are left out).
 */
export async function startRed(
  redPath: string,
  settings: Record<string, unknown> = {},
  options: { userDir?: string } = {},
): Promise<EmbeddedRed> {
  const { createRequire } = await import("node:module");
  const RED = createRequire(import.meta.url)(redPath) as RedModule;
  const ownUserDir = options.userDir === undefined;
  const userDir = options.userDir ?? (await mkdtemp(join(tmpdir(), "hs-red-")));
  // Our Node-RED package from the repository (nodes/, built), unless the caller installed it in userDir.
  const nodesExcludes = otherNodePackages();
  if (ownUserDir) assertBuilt();
  const packageSettings = ownUserDir ? { nodesDir: [join(root, "nodes")], nodesExcludes } : { nodesExcludes };
  const server = createServer((req, res) => RED.httpAdmin(req, res));
  RED.init(server, {
    userDir,
    ...packageSettings,
    // relative files (csv-writer's base folder, replay logs) land in the throwaway userDir
    fileWorkingDirectory: userDir,
    httpAdminRoot: "/",
    httpNodeRoot: false,
    uiPort: 0,
    flowFile: "flows.json",
    credentialSecret: "test",
    editorTheme: { tours: false },
    telemetry: { enabled: false },
    diagnostics: { enabled: false },
    runtimeState: { enabled: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    logging: { console: { level: process.env.RED_LOG ?? "error" } },
    functionExternalModules: false,
    ...settings,
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  // start() resolves before the (empty) flows have started: wait for that too
  const firstStart = new Promise<void>((resolve) => RED.events.once("flows:started", resolve));
  await RED.start();
  await firstStart;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const api: EmbeddedRed["api"] = async (method, path, body) => {
    const res = await fetch(url + path, {
      method,
      headers: { "content-type": "application/json", "Node-RED-API-Version": "v2" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // HTML and plain text answers stay text
    }
    return { status: res.status, body: parsed };
  };
  return {
    url,
    version: RED.version(),
    userDir,
    api,
    async deploy(flows) {
      // the POST answers once the flows are saved; they start after that
      const started = new Promise<void>((resolve) => RED.events.once("flows:started", resolve));
      const r = await api("POST", "/flows", { flows });
      if (r.status !== 200) throw new Error(`deploy failed: ${r.status} ${JSON.stringify(r.body)}`);
      await started;
    },
    async stop() {
      await RED.stop();
      await new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      if (ownUserDir) await rm(userDir, { recursive: true, force: true });
    },
  };
}
