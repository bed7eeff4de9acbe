// `homestream start` options: one zod schema, validated once before anything starts. The rule that
// matters most lives here: nothing listens beyond loopback without credentials guarding it.
import path from "node:path";
import { isLoopbackHost } from "@homestream/bridge/access-policy";
import { describeZodError } from "@homestream/core/issues";
import { z } from "zod";

export const FLOW_CHOICES = ["local", "kafka", "none"] as const;
export type FlowChoice = (typeof FLOW_CHOICES)[number];

const port = z
  .number({ error: (iss) => `must be a port number, got ${JSON.stringify(iss.input)}` })
  .int("must be a whole number")
  .min(0, "must be between 0 and 65535 (0: any free port)")
  .max(65535, "must be between 0 and 65535 (0: any free port)");

const brokers = z
  .array(z.string().regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, "each broker must be host:port"))
  .default([]);

export const startOptionsSchema = z
  .object({
    /** Editor and dashboard address. */
    host: z.string().min(1, "must not be empty").default("127.0.0.1"),
    port: port.default(1880),
    /** Run the bridge's embedded MQTT broker (off when a separate bridge is the broker, as in docker-compose). */
    mqtt: z.boolean().default(true),
    /** Default: the editor's host. */
    mqttHost: z.string().min(1, "must not be empty").optional(),
    mqttPort: port.default(1883),
    /** Bridge users file (hashed passwords, topic prefixes); required when MQTT listens beyond loopback. */
    users: z.string().min(1).optional(),
    /** Bridge configuration file (mapping rules, TLS...); the flags above override it. */
    bridgeConfig: z.string().min(1).optional(),
    dataDir: z.string().min(1, "must be a directory").default("data"),
    kafkaBrokers: brokers,
    kafkaTopic: z.string().min(1).default("home_sensors"),
    /** Which example flow the first start deploys; default: kafka when brokers are set, else local. */
    flow: z.enum(FLOW_CHOICES).optional(),
    adminUser: z.string().min(1, "must not be empty").default("admin"),
    /** From the environment only (flags show up in process lists). */
    adminPassword: z.string().min(1, "must not be empty").optional(),
    /** Key for Node-RED's credentials file; default: Node-RED generates and keeps one in the user dir. */
    credentialSecret: z.string().min(1).optional(),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (!isLoopbackHost(o.host) && o.adminPassword === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["host"],
        message:
          `${o.host} is reachable from other machines: set HOMESTREAM_ADMIN_PASSWORD (and --admin-user) ` +
          "so the editor and dashboard ask for credentials",
      });
    const mqttHost = o.mqttHost ?? o.host;
    if (o.mqtt && !isLoopbackHost(mqttHost) && o.users === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["users"],
        message:
          `MQTT on ${mqttHost} is reachable from other machines: give a users file (--users FILE; ` +
          "add users with `homestream bridge add-user`)",
      });
  });

export type StartOptionsInput = z.input<typeof startOptionsSchema>;

export interface StartOptions extends Omit<z.output<typeof startOptionsSchema>, "flow" | "mqttHost"> {
  flow: FlowChoice;
  mqttHost: string;
  /** Absolute data directory. */
  dataDir: string;
}

export class StartOptionsError extends Error {
  override name = "StartOptionsError";
}

/** Validates and completes the options; throws StartOptionsError naming each bad field. */
export function parseStartOptions(input: unknown, cwd: string): StartOptions {
  const r = startOptionsSchema.safeParse(input);
  if (!r.success) {
    throw new StartOptionsError(describeZodError(r.error));
  }
  const o = r.data;
  return {
    ...o,
    mqttHost: o.mqttHost ?? o.host,
    flow: o.flow ?? (o.kafkaBrokers.length > 0 ? "kafka" : "local"),
    dataDir: path.resolve(cwd, o.dataDir),
    users: o.users === undefined ? undefined : path.resolve(cwd, o.users),
    bridgeConfig: o.bridgeConfig === undefined ? undefined : path.resolve(cwd, o.bridgeConfig),
  };
}

/** The address a local client uses to reach a server bound to `host` (a wildcard means this machine). */
export function clientHost(host: string): string {
  if (host === "0.0.0.0" || host === "::" || host === "[::]") return "127.0.0.1";
  return host;
}
