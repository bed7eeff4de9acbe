// A single-node Apache Kafka broker (KRaft, broker+controller in one JVM) on loopback, for development,
// tests and benchmarks. The jars come from Maven Central through scripts/kafka/pom.xml (cached in ~/.m2);
// nothing of Kafka's is committed. Used by `npm run kafka:start|stop`, the vitest global setup and bench/.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, openSync, readFileSync, statSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, Socket } from "node:net";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);
const here = import.meta.dirname;
export const repoRoot = path.resolve(here, "../..");
/** Where brokers keep their config, data, log and PID file (gitignored). */
export const stateRoot = path.join(repoRoot, ".kafka");
const pom = path.join(here, "pom.xml");
const classpathFile = path.join(stateRoot, "classpath.txt");

/** True when the tools a local broker needs (java, mvn) are on PATH. */
export async function canRunBroker() {
  const found = async (cmd, args) =>
    execFileAsync(cmd, args, { timeout: 30_000 }).then(
      () => true,
      () => false,
    );
  const [java, mvn] = await Promise.all([found("java", ["-version"]), found("mvn", ["-v"])]);
  return { java, mvn, ok: java && mvn };
}

/** The broker's classpath, resolved once by Maven and cached until pom.xml changes or a jar goes missing. */
export async function resolveClasspath() {
  if (existsSync(classpathFile) && statSync(classpathFile).mtimeMs >= statSync(pom).mtimeMs) {
    const cached = readFileSync(classpathFile, "utf8").trim();
    if (cached.split(path.delimiter).every((jar) => existsSync(jar))) return cached;
  }
  await mkdir(stateRoot, { recursive: true });
  await execFileAsync(
    "mvn",
    ["-q", "-B", "-f", pom, "dependency:build-classpath", `-Dmdep.outputFile=${classpathFile}`],
    { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
  );
  return readFileSync(classpathFile, "utf8").trim();
}

/** A port the OS reports free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Extra listeners for testing clients' security settings: SASL (PLAIN, SCRAM-SHA-256/512) without TLS, and
// SASL (SCRAM-SHA-512) over TLS with a PEM certificate; one user, whose SCRAM credentials are written
// when the storage is formatted.
function securityProperties(security) {
  if (!security) return { listeners: [], protocols: [], lines: [] };
  const { saslPort, saslSslPort, user, password, certificate, key } = security;
  // Java properties: a PEM's line breaks written as \n escapes.
  const pem = (text) => text.trim().replaceAll("\n", "\\n");
  const scram = "org.apache.kafka.common.security.scram.ScramLoginModule required;";
  return {
    listeners: [`SASL://127.0.0.1:${saslPort}`, `SASLSSL://127.0.0.1:${saslSslPort}`],
    protocols: ["SASL:SASL_PLAINTEXT", "SASLSSL:SASL_SSL"],
    lines: [
      "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
      `listener.name.sasl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${user}="${password}";`,
      `listener.name.sasl.scram-sha-256.sasl.jaas.config=${scram}`,
      `listener.name.sasl.scram-sha-512.sasl.jaas.config=${scram}`,
      "listener.name.saslssl.sasl.enabled.mechanisms=SCRAM-SHA-512",
      `listener.name.saslssl.scram-sha-512.sasl.jaas.config=${scram}`,
      "listener.name.saslssl.ssl.keystore.type=PEM",
      `listener.name.saslssl.ssl.keystore.certificate.chain=${pem(certificate)}`,
      `listener.name.saslssl.ssl.keystore.key=${pem(key)}`,
    ],
  };
}

function serverProperties({ port, controllerPort, dataDir, security }) {
  const extra = securityProperties(security);
  const listeners = [`PLAINTEXT://127.0.0.1:${port}`, ...extra.listeners];
  return [
    "process.roles=broker,controller",
    "node.id=1",
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=${[...listeners, `CONTROLLER://127.0.0.1:${controllerPort}`].join(",")}`,
    `advertised.listeners=${listeners.join(",")}`,
    "controller.listener.names=CONTROLLER",
    "inter.broker.listener.name=PLAINTEXT",
    `listener.security.protocol.map=${["PLAINTEXT:PLAINTEXT", "CONTROLLER:PLAINTEXT", ...extra.protocols].join(",")}`,
    ...extra.lines,
    `log.dirs=${dataDir}`,
    "num.partitions=1",
    // One node: every internal topic must be satisfiable with a single replica.
    "offsets.topic.replication.factor=1",
    "offsets.topic.num.partitions=4",
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "share.coordinator.state.topic.replication.factor=1",
    "share.coordinator.state.topic.min.isr=1",
    // Tests join groups constantly; the default 3 s delay would only slow them down.
    "group.initial.rebalance.delay.ms=0",
    "auto.create.topics.enable=true",
    // After a crash (tests kill the broker on purpose) the restarted node is refused registration until
    // its previous incarnation's session expires: keep that short (default 9 s).
    "broker.heartbeat.interval.ms=500",
    "broker.session.timeout.ms=2000",
    "",
  ].join("\n");
}

const log4j2Properties = [
  "status = warn",
  "appender.out.type = Console",
  "appender.out.name = OUT",
  "appender.out.layout.type = PatternLayout",
  "appender.out.layout.pattern = [%d] %p %m (%c)%n",
  `rootLogger.level = ${process.env.KAFKA_LOG_LEVEL ?? "WARN"}`,
  "rootLogger.appenderRef.out.ref = OUT",
  // Keep the start-up/shut-down lines so server.log shows the broker's life.
  "logger.raft.name = kafka.server.KafkaRaftServer",
  "logger.raft.level = INFO",
  "",
].join("\n");

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(dir) {
  const file = path.join(dir, "broker.pid");
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function tail(file, lines = 30) {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

// One ApiVersions request (key 18, v0) over a raw socket: the broker answers it only once its listener is
// up, and it needs no client library, so this script stays usable before `npm install`.
function apiVersionsAnswered(port, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const socket = new Socket();
    const clientId = Buffer.from("homestream-probe");
    const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
    body.writeInt16BE(18, 0);
    body.writeInt16BE(0, 2);
    body.writeInt32BE(1, 4);
    body.writeInt16BE(clientId.length, 8);
    clientId.copy(body, 10);
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length);
    let received = Buffer.alloc(0);
    const finish = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once("error", () => finish(false));
    socket.on("data", (chunk) => {
      received = Buffer.concat([received, chunk]);
      // Response: size, correlation id, error code (0 = none).
      if (received.length >= 10) finish(received.readInt32BE(4) === 1 && received.readInt16BE(8) === 0);
    });
    socket.connect(port, "127.0.0.1", () => socket.write(Buffer.concat([size, body])));
  });
}

/**
 * Starts a broker whose state lives in `dir` (formatting it on first use, reusing it on a restart) and
 * resolves once it answers on `port`. Returns `{ pid, port, controllerPort, bootstrap, dir }`.
 */
export async function startBroker({
  dir = path.join(stateRoot, "broker"),
  port = 9092,
  controllerPort,
  heap = "512m",
  timeoutMs = 120_000,
  security,
} = {}) {
  const existing = readPid(dir);
  if (existing && isAlive(existing))
    throw new Error(`a broker is already running from ${dir} (pid ${existing})`);
  const classpath = await resolveClasspath();
  const dataDir = path.join(dir, "data");
  const propsFile = path.join(dir, "server.properties");
  const metaFile = path.join(dir, "ports.json");
  const formatted = existsSync(path.join(dataDir, "meta.properties"));
  if (formatted && existsSync(metaFile)) {
    // A restart keeps its ports: clients reconnect to the same address.
    ({ port, controllerPort } = JSON.parse(await readFile(metaFile, "utf8")));
  }
  controllerPort ??= await freePort();
  await mkdir(dir, { recursive: true });
  await writeFile(propsFile, serverProperties({ port, controllerPort, dataDir, security }));
  await writeFile(metaFile, JSON.stringify({ port, controllerPort }));
  const log4jFile = path.join(dir, "log4j2.properties");
  await writeFile(log4jFile, log4j2Properties);
  const jvm = [
    `-Xmx${heap}`,
    // The garbage collector settings Kafka's own start script (bin/kafka-run-class.sh) uses: short G1
    // pauses. Java's default aims at 200 ms pauses, which showed up as produce latency spikes.
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    ...(process.env.KAFKA_JVM_OPTS?.split(" ").filter(Boolean) ?? []),
    "-Djava.awt.headless=true",
    `-Dlog4j2.configurationFile=${log4jFile}`,
  ];
  if (!formatted) {
    // A KRaft node refuses to start on unformatted storage. The cluster id is 16 random bytes, base64url;
    // like Kafka's own Uuid.randomUuid, never one starting with "-" (it would read as an option).
    let clusterId = randomBytes(16).toString("base64url");
    while (clusterId.startsWith("-")) clusterId = randomBytes(16).toString("base64url");
    await execFileAsync(
      "java",
      [
        ...jvm,
        ...["-cp", classpath, "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", propsFile],
        ...(security
          ? ["SCRAM-SHA-256", "SCRAM-SHA-512"].flatMap((m) => [
              "--add-scram",
              `${m}=[name=${security.user},password=${security.password}]`,
            ])
          : []),
      ],
      { timeout: 120_000 },
    );
  }
  const logFile = path.join(dir, "server.log");
  const out = openSync(logFile, "a");
  const child = spawn("java", [...jvm, "-cp", classpath, "kafka.Kafka", propsFile], {
    detached: true,
    stdio: ["ignore", out, out],
  });
  child.unref();
  await writeFile(path.join(dir, "broker.pid"), String(child.pid));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(child.pid))
      throw new Error(`Kafka broker exited during start-up; ${logFile}:\n${tail(logFile)}`);
    if (await apiVersionsAnswered(port)) {
      return { pid: child.pid, port, controllerPort, bootstrap: `127.0.0.1:${port}`, dir };
    }
    await sleep(250);
  }
  await stopBroker({ dir, removeData: false });
  throw new Error(
    `Kafka broker did not answer on 127.0.0.1:${port} within ${timeoutMs} ms; ${logFile}:\n${tail(logFile)}`,
  );
}

/** Stops the broker recorded in `dir` by its PID (SIGTERM, then SIGKILL after `timeoutMs`); removes `dir`. */
export async function stopBroker({
  dir = path.join(stateRoot, "broker"),
  removeData = true,
  timeoutMs = 30_000,
} = {}) {
  const pid = readPid(dir);
  let stopped = false;
  if (pid && isAlive(pid)) {
    process.kill(pid, "SIGTERM");
    const deadline = Date.now() + timeoutMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(pid)) process.kill(pid, "SIGKILL");
    while (isAlive(pid)) await sleep(50);
    stopped = true;
  }
  await rm(path.join(dir, "broker.pid"), { force: true });
  if (removeData) await rm(dir, { recursive: true, force: true });
  return { pid, stopped };
}

/** Stops the broker hard (SIGKILL), as a crash would, keeping its data for a restart. */
export async function killBroker({ dir = path.join(stateRoot, "broker") } = {}) {
  const pid = readPid(dir);
  if (pid && isAlive(pid)) {
    process.kill(pid, "SIGKILL");
    while (isAlive(pid)) await sleep(50);
  }
  await rm(path.join(dir, "broker.pid"), { force: true });
  return { pid };
}

// `node scripts/kafka/broker.mjs start|stop`
if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const command = process.argv[2];
  const port = Number(process.env.KAFKA_PORT ?? 9092);
  try {
    if (command === "start") {
      const dir = path.join(stateRoot, "broker");
      const running = readPid(dir);
      if (running && isAlive(running)) {
        const ports = JSON.parse(readFileSync(path.join(dir, "ports.json"), "utf8"));
        console.log(`kafka: broker already running at 127.0.0.1:${ports.port} (pid ${running})`);
      } else {
        const tools = await canRunBroker();
        if (!tools.ok)
          throw new Error(`Kafka needs java and mvn on PATH (java: ${tools.java}, mvn: ${tools.mvn})`);
        const broker = await startBroker({ dir, port });
        console.log(`kafka: broker up at ${broker.bootstrap} (pid ${broker.pid}, state in ${broker.dir})`);
      }
    } else if (command === "stop") {
      const { pid, stopped } = await stopBroker();
      console.log(
        stopped ? `kafka: broker stopped (pid ${pid}), data removed` : "kafka: no broker was running",
      );
    } else {
      console.error("usage: node scripts/kafka/broker.mjs start|stop   (KAFKA_PORT, default 9092)");
      process.exitCode = 2;
    }
  } catch (err) {
    console.error(`kafka: ${err instanceof Error ? err.message : err}`);
    process.exitCode = 1;
  }
}

/**
 * The brokers a benchmark uses: KAFKA_BROKERS, or a broker of its own started under .kafka/ (`stop()`
 * stops only a broker started here).
 */
export async function brokerForBench(name, log = () => {}) {
  const given = process.env.KAFKA_BROKERS?.split(",").filter(Boolean);
  if (given?.length) return { brokers: given, own: false, stop: async () => {} };
  const tools = await canRunBroker();
  if (!tools.ok) throw new Error("KAFKA_BROKERS is not set and java/mvn are missing to start a broker");
  const dir = path.join(stateRoot, `bench-${name}-${process.pid}`);
  log("starting a Kafka broker");
  const broker = await startBroker({ dir, port: await freePort() });
  return { brokers: [broker.bootstrap], own: true, stop: () => stopBroker({ dir }) };
}
