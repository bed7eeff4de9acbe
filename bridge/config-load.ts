// Where the bridge configuration comes from: a JSON or YAML file, then HOMESTREAM_* environment
// variables, then command-line flags (each later source wins), validated once by the schema. Errors
// name the field and the source that set it.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { type BridgeConfig, bridgeConfigSchema } from "./config.js";

/** A configuration the bridge cannot start with; the message names each offending field. */
export class BridgeConfigError extends Error {
  override name = "BridgeConfigError";
}

type Kind = "string" | "int" | "list" | "bool";

export interface ConfigFlag {
  /** Long flag without dashes, e.g. "mqtt-port"; its variable is HOMESTREAM_MQTT_PORT. */
  flag: string;
  /** Where it lands in the configuration. */
  path: readonly string[];
  kind: Kind;
  description: string;
}

/** Every setting reachable from flags and environment (the file reaches all of them). */
export const CONFIG_FLAGS: readonly ConfigFlag[] = [
  {
    flag: "mqtt-host",
    path: ["mqtt", "host"],
    kind: "string",
    description: "embedded broker TCP address (default 127.0.0.1)",
  },
  {
    flag: "mqtt-port",
    path: ["mqtt", "port"],
    kind: "int",
    description: "embedded broker TCP port (default 1883; 0: any free port)",
  },
  {
    flag: "tls-port",
    path: ["mqtt", "tls", "port"],
    kind: "int",
    description: "MQTT over TLS port (needs --tls-key and --tls-cert)",
  },
  {
    flag: "tls-key",
    path: ["mqtt", "tls", "key"],
    kind: "string",
    description: "TLS private key file (PEM)",
  },
  {
    flag: "tls-cert",
    path: ["mqtt", "tls", "cert"],
    kind: "string",
    description: "TLS certificate file (PEM)",
  },
  {
    flag: "tls-ca",
    path: ["mqtt", "tls", "ca"],
    kind: "string",
    description: "CA file: clients must present a certificate it signed",
  },
  {
    flag: "ws-port",
    path: ["mqtt", "websocket", "port"],
    kind: "int",
    description: "MQTT over WebSocket port (path /mqtt)",
  },
  {
    flag: "users",
    path: ["mqtt", "users"],
    kind: "string",
    description: "users file with hashed passwords and topic prefixes",
  },
  {
    flag: "allow-anonymous",
    path: ["mqtt", "allowAnonymous"],
    kind: "bool",
    description: "accept clients without a username beyond loopback listeners",
  },
  {
    flag: "max-connections",
    path: ["mqtt", "maxConnections"],
    kind: "int",
    description: "most MQTT clients connected at once (default 10000)",
  },
  {
    flag: "max-payload",
    path: ["mqtt", "maxPayloadBytes"],
    kind: "int",
    description: "largest payload in bytes; larger ones are dead-lettered (default 262144)",
  },
  {
    flag: "mqtt-data-dir",
    path: ["mqtt", "dataDir"],
    kind: "string",
    description: "keep retained messages and persistent sessions in this directory (default: in memory)",
  },
  {
    flag: "unmatched",
    path: ["unmatched"],
    kind: "string",
    description:
      "a topic no rule matches: dead-letter (default; every message should be a reading) or ignore (routed to subscribers only)",
  },
  {
    flag: "external",
    path: ["external", "url"],
    kind: "string",
    description: "subscribe to this broker (mqtt://host:port) instead of running one",
  },
  {
    flag: "topics",
    path: ["external", "topics"],
    kind: "list",
    description: "external mode: comma-separated filters (default: the rules' patterns)",
  },
  {
    flag: "share-group",
    path: ["external", "shareGroup"],
    kind: "string",
    description: "external mode: subscribe as $share/<group>/... to split load between bridges",
  },
  {
    flag: "kafka-brokers",
    path: ["kafka", "brokers"],
    kind: "list",
    description: "comma-separated host:port list (none: forward nothing)",
  },
  {
    flag: "kafka-topic",
    path: ["kafka", "topic"],
    kind: "string",
    description: "topic for readings (default home_sensors)",
  },
  {
    flag: "dlq-topic",
    path: ["kafka", "dlqTopic"],
    kind: "string",
    description: "dead-letter topic (default <kafka-topic>.dlq)",
  },
  {
    flag: "kafka-worker",
    path: ["kafka", "worker"],
    kind: "bool",
    description:
      "validate and produce in a worker thread, a second core, for high rates (default no: one thread, less memory)",
  },
  {
    flag: "metrics-port",
    path: ["metrics", "port"],
    kind: "int",
    description: "serve /metrics and /healthz on this port",
  },
  {
    flag: "metrics-host",
    path: ["metrics", "host"],
    kind: "string",
    description: "address for /metrics and /healthz (default 127.0.0.1)",
  },
  {
    flag: "tz",
    path: ["timeZone"],
    kind: "string",
    description: "IANA zone for timestamps without offset (default UTC)",
  },
  {
    flag: "log-level",
    path: ["logLevel"],
    kind: "string",
    description: "fatal, error, warn, info, debug, trace or silent (default info)",
  },
];

export function envName(flag: string): string {
  return `HOMESTREAM_${flag.toUpperCase().replaceAll("-", "_")}`;
}

/** Camel-cased flag name, as commander stores it ("mqtt-port" -> "mqttPort"). */
export function optionKey(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

// Paths in the file are relative to the file, not to wherever the bridge was started from.
const FILE_PATHS: readonly (readonly string[])[] = [
  ["mqtt", "users"],
  ["mqtt", "dataDir"],
  ["mqtt", "tls", "key"],
  ["mqtt", "tls", "cert"],
  ["mqtt", "tls", "ca"],
  ["external", "ca"],
];

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function setPath(target: Raw, keys: readonly string[], value: unknown): void {
  let node = target;
  for (const k of keys.slice(0, -1)) {
    if (!isObject(node[k])) node[k] = {};
    node = node[k] as Raw;
  }
  node[keys.at(-1) as string] = value;
}

function getPath(target: unknown, keys: readonly string[]): unknown {
  let node = target;
  for (const k of keys) {
    if (!isObject(node)) return undefined;
    node = node[k];
  }
  return node;
}

function merge(base: Raw, over: Raw): Raw {
  const out: Raw = { ...base };
  for (const [k, v] of Object.entries(over))
    out[k] = isObject(v) && isObject(out[k]) ? merge(out[k] as Raw, v) : v;
  return out;
}

function convert(kind: Kind, text: string | boolean): unknown {
  if (typeof text === "boolean") return text;
  switch (kind) {
    case "int":
      // Left as text when it is not a number, so the schema's message quotes what was given.
      return /^\s*-?\d+(\.\d+)?\s*$/.test(text) ? Number(text) : text;
    case "list":
      return text
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    case "bool":
      return /^(1|true|yes|on)$/i.test(text.trim())
        ? true
        : /^(0|false|no|off)$/i.test(text.trim())
          ? false
          : text;
    default:
      return text;
  }
}

/** Reads a JSON or YAML configuration file (by extension; anything else is read as YAML, a JSON superset). */
export async function readConfigFile(file: string): Promise<Raw> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new BridgeConfigError(
      `config file ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : (err as Error).message}`,
    );
  }
  let data: unknown;
  try {
    data = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new BridgeConfigError(`config file ${file}: ${(err as Error).message}`);
  }
  if (data === null || data === undefined) return {};
  if (!isObject(data))
    throw new BridgeConfigError(`config file ${file}: must hold an object (mqtt:, kafka:, rules: ...)`);
  const dir = path.dirname(path.resolve(file));
  for (const keys of FILE_PATHS) {
    const v = getPath(data, keys);
    if (typeof v === "string" && v.length > 0) setPath(data, keys, path.resolve(dir, v));
  }
  return data;
}

export interface ConfigSources {
  /** A command's own defaults, below every other source (`homestream start`'s differ from the bridge's). */
  defaults?: Raw;
  /** Configuration file (JSON or YAML). */
  file?: string;
  /** Usually process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Parsed command-line options keyed as commander does (camelCase). */
  flags?: Readonly<Record<string, unknown>>;
  /** Settings given programmatically; applied last. */
  overrides?: Raw;
}

/** Merges the sources and validates the result; throws BridgeConfigError naming field and source. */
export async function loadBridgeConfig(sources: ConfigSources): Promise<BridgeConfig> {
  const origin = new Map<string, string>();
  let raw: Raw = sources.defaults ?? {};
  if (sources.file) {
    raw = merge(raw, await readConfigFile(sources.file));
  }
  const layer = (label: (f: ConfigFlag) => string, value: (f: ConfigFlag) => unknown) => {
    const over: Raw = {};
    for (const f of CONFIG_FLAGS) {
      const v = value(f);
      if (v === undefined) continue;
      if ((typeof v !== "string" && typeof v !== "boolean") || (typeof v === "string" && v.length === 0))
        continue;
      setPath(over, f.path, convert(f.kind, v));
      origin.set(f.path.join("."), label(f));
    }
    raw = merge(raw, over);
  };
  const env = sources.env;
  if (env)
    layer(
      (f) => envName(f.flag),
      (f) => env[envName(f.flag)],
    );
  const flags = sources.flags;
  if (flags)
    layer(
      (f) => `--${f.flag}`,
      (f) => flags[optionKey(f.flag)],
    );
  if (sources.overrides) raw = merge(raw, sources.overrides);
  const result = bridgeConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const field = issue.path.map(String).join(".");
    // The source of the setting or of the list/object holding it ("kafka.brokers" for "kafka.brokers.0").
    let from: string | undefined;
    for (let n = issue.path.length; n > 0 && from === undefined; n--)
      from = origin.get(issue.path.slice(0, n).join("."));
    from ??= sources.file ? `in ${sources.file}` : undefined;
    if (issue.code === "unrecognized_keys")
      return `${field ? `${field}: ` : ""}unknown setting${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}${from ? ` (${from})` : ""}`;
    return `${field ? `${field}${from ? ` (${from})` : ""}: ` : ""}${issue.message}`;
  });
  throw new BridgeConfigError(`invalid bridge configuration: ${lines.join("; ")}`);
}
