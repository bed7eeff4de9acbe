// Global setup of the "kafka" vitest project: provides the broker the Kafka suites use.
// KAFKA_BROKERS when set; otherwise a broker of our own (scripts/kafka/broker.mjs) when java and mvn are
// here, stopped by its PID at the end; otherwise the suites skip, saying why. Under CI a missing broker
// fails the run (test/setup/prerequisite.ts): CI must really exercise Kafka.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { canRunBroker, freePort, startBroker, stateRoot, stopBroker } from "../../scripts/kafka/broker.mjs";
import { requirePrerequisite } from "./prerequisite.js";

export interface KafkaTestContext {
  /** Bootstrap servers; empty when the suites must skip. */
  brokers: string[];
  /** SASL and TLS listeners of the broker this setup started (none with KAFKA_BROKERS). */
  secure?: {
    /** SASL_PLAINTEXT: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512. */
    sasl: string;
    /** SASL_SSL: SCRAM-SHA-512 over TLS; `ca` verifies it (certificate for 127.0.0.1 and localhost). */
    saslSsl: string;
    ca: string;
    user: string;
    password: string;
  };
  /** Why there are no SASL and TLS listeners (set exactly when `secure` is not). */
  secureMissing?: string;
  /** Why the suites skip (set exactly when `brokers` is empty). */
  skipReason?: string;
  /** Whether suites may start brokers of their own (the restart tests do). */
  canStartBrokers: boolean;
  /** Why they may not (set exactly when `canStartBrokers` is false). */
  brokerStartsMissing?: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    kafka: KafkaTestContext;
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// Brokers left by a test run that was killed before its teardown: their run's PID is in the folder name.
async function stopOrphans(): Promise<void> {
  if (!existsSync(stateRoot)) return;
  for (const name of readdirSync(stateRoot)) {
    const match = /^vitest-(\d+)-/.exec(name);
    if (!match || isAlive(Number(match[1]))) continue;
    const dir = path.join(stateRoot, name);
    const pidFile = path.join(dir, "broker.pid");
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : undefined;
    console.warn(`kafka: stopping a broker left by an earlier test run (${dir}, pid ${pid ?? "none"})`);
    await stopBroker({ dir });
  }
}

// A throwaway self-signed certificate for the TLS listener, or why openssl could not make one.
function selfSignedCertificate(): Promise<{ certificate: string; key: string } | { failed: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), "kafka-tls-"));
  const [cert, key] = [path.join(dir, "cert.pem"), path.join(dir, "key.pem")];
  const args = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"];
  args.push("-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key, "-out", cert);
  return new Promise((resolve) => {
    execFile("openssl", args, { timeout: 30_000 }, (err, _stdout, stderr) => {
      const result = err
        ? {
            failed:
              `openssl could not make a certificate for the TLS listener: ${err.message} ${stderr}`.trim(),
          }
        : { certificate: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
      rmSync(dir, { recursive: true, force: true });
      resolve(result);
    });
  });
}

export default async function setup(project: TestProject) {
  const tools = await canRunBroker();
  const fromEnv = process.env.KAFKA_BROKERS?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const noStarts = `a broker cannot be started here (java ${tools.java ? "found" : "missing"}, mvn ${tools.mvn ? "found" : "missing"})`;
  const available = Boolean(fromEnv?.length) || tools.ok;
  const why = available
    ? "a Kafka broker: KAFKA_BROKERS, or java and mvn to start one"
    : `KAFKA_BROKERS is not set and ${noStarts}`;
  if (!requirePrerequisite("kafka-broker", available, why)) {
    project.provide("kafka", {
      brokers: [],
      skipReason: why,
      canStartBrokers: false,
      brokerStartsMissing: noStarts,
      secureMissing: why,
    });
    return;
  }
  if (fromEnv?.length) {
    project.provide("kafka", {
      brokers: fromEnv,
      canStartBrokers: tools.ok,
      brokerStartsMissing: tools.ok ? undefined : noStarts,
      secureMissing:
        "KAFKA_BROKERS names an outside broker; the SASL and TLS listeners exist only on the broker this setup starts (unset KAFKA_BROKERS)",
    });
    return;
  }
  await stopOrphans();
  const dir = path.join(stateRoot, `vitest-${process.pid}-main`);
  const cert = await selfSignedCertificate();
  const tls = "failed" in cert ? undefined : cert;
  const security = tls && {
    saslPort: await freePort(),
    saslSslPort: await freePort(),
    user: "homestream",
    password: "test-secret",
    ...tls,
  };
  const broker = await startBroker({ dir, port: await freePort(), security });
  // If this process dies without running the teardown, do not leave a JVM behind.
  const killOnExit = () => {
    if (isAlive(broker.pid)) process.kill(broker.pid, "SIGKILL");
  };
  process.once("exit", killOnExit);
  project.provide("kafka", {
    brokers: [broker.bootstrap],
    canStartBrokers: true,
    secure: security && {
      sasl: `127.0.0.1:${security.saslPort}`,
      saslSsl: `127.0.0.1:${security.saslSslPort}`,
      ca: security.certificate,
      user: security.user,
      password: security.password,
    },
    secureMissing: "failed" in cert ? cert.failed : undefined,
  });
  return async () => {
    process.off("exit", killOnExit);
    await stopBroker({ dir });
  };
}
