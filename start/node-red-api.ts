// The slice of the embedded Node-RED runtime (and of express 4, which it is mounted on) that `start`
// uses, typed here because neither package ships types; kept this small so a Node-RED upgrade has
// one place to check.
import type { IncomingMessage, Server, ServerResponse } from "node:http";

export type Next = (err?: unknown) => void;
export type Handler = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

/** An express app: a request listener on its own, or middleware with `next`. */
export interface ExpressApp {
  (req: IncomingMessage, res: ServerResponse, next?: Next): void;
  use(path: string, ...handlers: Handler[]): ExpressApp;
  disable(setting: string): ExpressApp;
}

/** A node (or tab, or config node) as flows.json and the admin API hold it. */
export interface FlowNode {
  id: string;
  type: string;
  z?: string;
  credentials?: Record<string, string>;
  [key: string]: unknown;
}

export interface NodeRedRuntime {
  init(server: Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly httpAdmin: ExpressApp;
  /** Runtime events: flows:stopping, flows:stopped, flows:starting, flows:started, ... */
  readonly events: {
    on(event: string, listener: (...args: unknown[]) => void): void;
    off(event: string, listener: (...args: unknown[]) => void): void;
  };
  readonly httpNode: ExpressApp;
  readonly runtime: {
    flows: {
      setFlows(opts: {
        flows: { flows: FlowNode[] };
        deploymentType?: "full" | "nodes" | "flows" | "reload";
      }): Promise<{ rev: string }>;
      getFlows(opts: Record<string, never>): Promise<{ flows: FlowNode[]; rev: string }>;
    };
  };
}

/** Node-RED's log record, as handed to a custom logging handler. */
export interface NodeRedLogRecord {
  level: number;
  msg: unknown;
  type?: string;
  name?: string;
  id?: string;
}

/** Node-RED's numeric log levels (@node-red/util log.js). */
export const NODE_RED_LEVELS = {
  fatal: 10,
  error: 20,
  warn: 30,
  info: 40,
  debug: 50,
  trace: 60,
  audit: 98,
  metric: 99,
} as const;

export function loadNodeRed(): NodeRedRuntime {
  // CommonJS modules without types; Node-RED is a process-wide singleton, as required here.
  return require("node-red") as NodeRedRuntime;
}

export function createExpressApp(): ExpressApp {
  const express = require("express") as () => ExpressApp;
  return express();
}
