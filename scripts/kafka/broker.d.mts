// Types for broker.mjs (a plain Node script, so that `npm run kafka:start` needs no build).
export declare const repoRoot: string;
export declare const stateRoot: string;

export interface BrokerTools {
  java: boolean;
  mvn: boolean;
  ok: boolean;
}

export interface StartBrokerOptions {
  /** Config, data, log and PID file; default .kafka/broker. */
  dir?: string;
  /** Client port on 127.0.0.1 (default 9092); a restart reuses the ports it was formatted with. */
  port?: number;
  controllerPort?: number;
  /** JVM -Xmx (default 512m). */
  heap?: string;
  timeoutMs?: number;
}

export interface RunningBroker {
  pid: number;
  port: number;
  controllerPort: number;
  /** "127.0.0.1:port" */
  bootstrap: string;
  dir: string;
}

export declare function canRunBroker(): Promise<BrokerTools>;
export declare function resolveClasspath(): Promise<string>;
export declare function freePort(): Promise<number>;
export declare function startBroker(options?: StartBrokerOptions): Promise<RunningBroker>;
export declare function stopBroker(options?: {
  dir?: string;
  removeData?: boolean;
  timeoutMs?: number;
}): Promise<{ pid: number | undefined; stopped: boolean }>;
export declare function killBroker(options?: { dir?: string }): Promise<{ pid: number | undefined }>;
