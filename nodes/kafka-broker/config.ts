// The kafka-broker configuration as the editor saves it (plus its credentials), turned into the
// Kafka layer's connection config once, at deploy. Certificate and key files are read here, so a
// missing file is reported then, by field.
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { ConnectionConfigInput } from "@homestream/kafka/config";
import { z } from "zod";
import { choice, flag, NodeConfigError, parseConfig, text } from "../shared/config.js";

const schema = z
  .object({
    brokers: text("localhost:9092"),
    clientId: text("homestream-node-red"),
    tls: flag(false),
    tlsCa: text(""),
    tlsCert: text(""),
    tlsKey: text(""),
    tlsVerify: flag(true),
    sasl: choice(["none", "plain", "scram-sha-256", "scram-sha-512"], "none"),
  })
  .loose();

export interface KafkaBrokerCredentials {
  username?: string;
  password?: string;
  /** Passphrase of the TLS private key. */
  passphrase?: string;
}

export function kafkaBrokerConfig(
  def: unknown,
  credentials: KafkaBrokerCredentials | undefined,
  workingDir: string,
): ConnectionConfigInput {
  const c = parseConfig(schema, def);
  const problems: string[] = [];
  const read = (field: string, path: string): string | undefined => {
    if (path === "") return undefined;
    const full = isAbsolute(path) ? path : resolve(workingDir, path);
    try {
      return readFileSync(full, "utf8");
    } catch (err) {
      problems.push(
        `${field}: cannot read ${full} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
      return undefined;
    }
  };
  let ssl: ConnectionConfigInput["ssl"];
  if (c.tls) {
    const ca = read("tlsCa", c.tlsCa);
    const cert = read("tlsCert", c.tlsCert);
    const key = read("tlsKey", c.tlsKey);
    if ((cert === undefined) !== (key === undefined) && problems.length === 0) {
      problems.push("tlsCert: a client certificate and its key go together");
    }
    ssl = {
      rejectUnauthorized: c.tlsVerify,
      ...(ca !== undefined && { ca }),
      ...(cert !== undefined && { cert }),
      ...(key !== undefined && { key }),
      ...(credentials?.passphrase && { passphrase: credentials.passphrase }),
    };
  }
  let sasl: ConnectionConfigInput["sasl"];
  if (c.sasl !== "none") {
    if (!credentials?.username) problems.push("username: is required for SASL");
    if (!credentials?.password) problems.push("password: is required for SASL");
    sasl = {
      mechanism: c.sasl,
      username: credentials?.username ?? "",
      password: credentials?.password ?? "",
    };
  }
  if (problems.length > 0) throw new NodeConfigError(`invalid configuration: ${problems.join("; ")}`);
  return { brokers: c.brokers, clientId: c.clientId, ssl, sasl, logLevel: "warn" };
}
