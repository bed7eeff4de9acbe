// Types for broker.mjs (a plain Node script, so that `npm run kafka:start` needs no build).
export declare const repoRoot: string;
export declare const stateRoot: string;

export interface BrokerTools {
  java: boolean;
  mvn: boolean;
  ok: boolean;
}

/** Extra listeners for testing client security settings (see broker.mjs). */
export interface BrokerSecurity {
  /** SASL_PLAINTEXT listener: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512. */
  saslPort: number;
  /** SASL_SSL listener: SCRAM-SHA-512 over TLS with `certificate`. */
  saslSslPort: number;
  user: string;
  password: string;
  /** PEM certificate and PKCS#8 key of the TLS listener. */
  certificate: string;
  key: string;
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
  /** Extra SASL and TLS listeners; given again on a restart. */
  security?: BrokerSecurity;
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
