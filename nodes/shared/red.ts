// The slice of Node-RED's node API our nodes use, typed here so the adapters stay strict
// without pulling in @types/node-red (which lags the runtime and types `msg` loosely).

export interface NodeMessage {
  _msgid?: string;
  payload?: unknown;
  topic?: string;
  [key: string]: unknown;
}

export interface NodeStatus {
  fill?: "red" | "green" | "yellow" | "blue" | "grey";
  shape?: "ring" | "dot";
  text?: string;
}

/** `send` as passed to an input handler: one entry per output, `null` skips an output. */
export type SendFunction = (msg: NodeMessage | null | Array<NodeMessage | NodeMessage[] | null>) => void;
export type DoneFunction = (err?: Error) => void;

export interface NodeDef {
  id: string;
  type: string;
  name?: string;
  z?: string;
  [key: string]: unknown;
}

/** A context scope (node, flow, global) in a chosen store; the callback forms work with every store. */
export interface ContextScope {
  get(
    key: string,
    store: string | undefined,
    callback: (err: Error | null | undefined, value: unknown) => void,
  ): void;
  set(key: string, value: unknown, store: string | undefined, callback: (err?: Error | null) => void): void;
}

/** A node instance as Node-RED builds it (the fields and methods we rely on). */
export interface Node<TCredentials = Record<string, string | undefined>> {
  readonly id: string;
  readonly type: string;
  name?: string;
  credentials: TCredentials;
  on(event: "input", listener: (msg: NodeMessage, send: SendFunction, done: DoneFunction) => void): void;
  on(event: "close", listener: (removed: boolean, done: () => void) => void): void;
  send(msg: NodeMessage | null | Array<NodeMessage | NodeMessage[] | null>): void;
  status(status: NodeStatus): void;
  log(msg: unknown): void;
  warn(msg: unknown): void;
  error(err: unknown, msg?: NodeMessage): void;
  debug(msg: unknown): void;
  trace(msg: unknown): void;
  context(): { global: ContextScope };
}

export interface HttpRequest {
  params: Record<string, string>;
}

export interface HttpResponse {
  sendStatus(code: number): void;
}

export interface NodeAPI {
  nodes: {
    createNode(node: object, def: NodeDef): void;
    // biome-ignore lint/suspicious/noExplicitAny: Node-RED calls the constructor with `this` bound to a fresh node.
    registerType(type: string, ctor: (this: any, def: any) => void, opts?: { credentials?: object }): void;
    getNode(id: string): unknown;
    /** Every node of the deployed configuration (enabled or not). */
    eachNode(callback: (node: { id: string; type: string }) => void): void;
  };
  settings: { fileWorkingDirectory?: string; [key: string]: unknown };
  /** The editor's HTTP API (an express app), for node buttons. */
  httpAdmin: {
    post(
      path: string,
      ...handlers: ((req: HttpRequest, res: HttpResponse, next: () => void) => void)[]
    ): void;
  };
  auth: {
    needsPermission(permission: string): (req: HttpRequest, res: HttpResponse, next: () => void) => void;
  };
  /** Node-RED's message-property helpers (typed inputs: msg., JSONata, ...). */
  util: RedUtil;
  /** Translates a key in this node set's catalog (Node-RED prefixes the namespace). */
  _(key: string, substitutions?: Record<string, unknown>): string;
}

/** The slice of `RED.util` the typed-input readers use (nodes/shared/input-mode.ts). */
export interface RedUtil {
  getMessageProperty(msg: NodeMessage, expr: string): unknown;
  evaluateNodeProperty(
    value: string,
    type: string,
    node: object,
    msg: NodeMessage,
    callback: (err: Error | null, result?: unknown) => void,
  ): void;
  prepareJSONataExpression(value: string, node: object): unknown;
  evaluateJSONataExpression(
    expr: unknown,
    msg: NodeMessage,
    callback: (err: Error | null, result?: unknown) => void,
  ): void;
}
