// docker-compose.yml and the Dockerfile, checked without a Docker engine: the compose schema and
// best-practice linter (dclint), the topology the issue asks for, and a Dockerfile whose build
// context and entry point exist in this repository.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { COMPOSE_FILE, ROOT, readCompose } from "./compose-file.js";

const DCLINT = path.join(ROOT, "node_modules", ".bin", "dclint");

function dclint(file: string) {
  return spawnSync(DCLINT, ["--config", path.join(ROOT, ".dclintrc"), "--color=false", file], {
    encoding: "utf8",
    cwd: ROOT,
  });
}

describe("docker-compose.yml", () => {
  it("passes dclint (compose schema and rules) with no problem reported", () => {
    const r = dclint(COMPOSE_FILE);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/problems?/);
  });

  it("is really checked: dclint fails a file with a schema error", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hs-compose-"));
    try {
      const bad = path.join(dir, "docker-compose.yml");
      writeFileSync(
        bad,
        readFileSync(COMPOSE_FILE, "utf8").replace("condition: service_healthy", "condition: when_ready"),
      );
      const r = dclint(bad);
      expect(r.status).toBe(1);
      expect(r.stdout + r.stderr).toMatch(/invalid-schema.*depends_on|depends_on.*invalid-schema/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const compose = readCompose();
  const { kafka, bridge, "kafka-topics": topics, "node-red": nodeRed } = compose.services;

  it("runs Apache Kafka 4 (official image) as a single KRaft node with a healthcheck and a data volume", () => {
    expect(kafka?.image).toMatch(/^apache\/kafka:4\.\d+\.\d+$/);
    expect(kafka?.environment?.KAFKA_PROCESS_ROLES).toBe("broker,controller");
    expect(String(kafka?.environment?.CLUSTER_ID)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(kafka?.healthcheck?.test.join(" ")).toMatch(/kafka-broker-api-versions/);
    expect(kafka?.volumes).toContain("kafka-data:/var/lib/kafka/data");
  });

  it("creates the readings and dead-letter topics once Kafka is healthy", () => {
    expect(topics?.image).toBe(kafka?.image);
    expect(topics?.depends_on?.kafka?.condition).toBe("service_healthy");
    const script = topics?.command?.join(" ") ?? "";
    expect(script).toMatch(/--create --if-not-exists\s+--topic home_sensors --partitions 3/);
    expect(script).toMatch(/--topic home_sensors\.dlq/);
  });

  it("starts the bridge after the topics, with users required and a Kafka-aware healthcheck", () => {
    expect(bridge?.build?.context).toBe(".");
    expect(bridge?.depends_on?.["kafka-topics"]?.condition).toBe("service_completed_successfully");
    expect(bridge?.command?.[0]).toBe("bridge");
    expect(bridge?.command).toEqual(
      expect.arrayContaining([
        "--kafka-brokers=kafka:9092",
        "--users=/config/users.yaml",
        "--mqtt-host=0.0.0.0",
      ]),
    );
    expect(bridge?.healthcheck?.test.join(" ")).toMatch(/healthz/);
    expect(bridge?.ports).toContain("0.0.0.0:1883:1883");
  });

  it("starts Node-RED with the package and the Kafka flow once the bridge is healthy; volumes for its data and the CSV output", () => {
    expect(nodeRed?.build?.context).toBe(".");
    expect(nodeRed?.depends_on?.bridge?.condition).toBe("service_healthy");
    expect(nodeRed?.command?.[0]).toBe("start");
    expect(nodeRed?.command).toEqual(
      expect.arrayContaining(["--no-mqtt", "--kafka-brokers=kafka:9092", "--flow=kafka", "--host=0.0.0.0"]),
    );
    // Beyond loopback the editor needs a password: compose refuses to start without one.
    expect(String(nodeRed?.environment?.HOMESTREAM_ADMIN_PASSWORD)).toMatch(
      /^\$\{HOMESTREAM_ADMIN_PASSWORD:\?/,
    );
    expect(nodeRed?.volumes).toEqual(["node-red-data:/data/node-red", "csv-output:/data/output"]);
    expect(nodeRed?.healthcheck?.test.join(" ")).toMatch(/1880/);
    expect(Object.keys(compose.volumes).sort()).toEqual(["csv-output", "kafka-data", "node-red-data"]);
  });
});

describe("Dockerfile", () => {
  const text = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");

  it("copies only what exists in the repository into the build stage", () => {
    const build = text.slice(0, text.indexOf("\nFROM ", text.indexOf("FROM ") + 1));
    const sources = [...build.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      (m[1] as string).split(/\s+/),
    );
    expect(sources.length).toBeGreaterThan(5);
    for (const s of sources) expect(existsSync(path.join(ROOT, s)), s).toBe(true);
    // Every source folder the TypeScript build compiles is copied: the app's and each workspace package.
    const tsconfig = JSON.parse(readFileSync(path.join(ROOT, "tsconfig.json"), "utf8")) as {
      include: string[];
      references: { path: string }[];
    };
    for (const dir of tsconfig.include) expect(sources, dir).toContain(dir);
    for (const ref of tsconfig.references) expect(sources, ref.path).toContain(ref.path);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { workspaces: string[] };
    for (const ws of pkg.workspaces) expect(sources, ws).toContain(ws);
    // Workspace packages are in place before `npm ci`, which links them.
    const ci = build.indexOf("RUN npm ci");
    for (const ws of pkg.workspaces) expect(build.indexOf(`COPY ${ws} ${ws}`), ws).toBeLessThan(ci);
  });

  it("runs the built CLI as an unprivileged user", () => {
    expect(text).toMatch(/^ENTRYPOINT \["node", "dist\/cli\/main\.js"\]$/m);
    expect(text).toMatch(/^USER node$/m);
    expect(existsSync(path.join(ROOT, "dist", "cli", "main.js"))).toBe(true);
  });
});
