import path from "node:path";
import { describe, expect, it } from "vitest";
import { clientHost, parseStartOptions, StartOptionsError } from "../../start/options.js";

describe("parseStartOptions", () => {
  it("defaults to loopback, ports 1880/1883, ./data and the local flow", () => {
    const o = parseStartOptions({}, "/home/u/project");
    expect(o).toMatchObject({
      host: "127.0.0.1",
      port: 1880,
      mqtt: true,
      mqttHost: "127.0.0.1",
      mqttPort: 1883,
      dataDir: path.resolve("/home/u/project", "data"),
      flow: "local",
      kafkaBrokers: [],
      kafkaTopic: "home_sensors",
    });
  });

  it("picks the Kafka flow when brokers are given, unless a flow is named", () => {
    expect(parseStartOptions({ kafkaBrokers: ["127.0.0.1:9092"] }, "/").flow).toBe("kafka");
    expect(parseStartOptions({ kafkaBrokers: ["127.0.0.1:9092"], flow: "local" }, "/").flow).toBe("local");
  });

  it("refuses an editor beyond loopback without an admin password", () => {
    expect(() => parseStartOptions({ host: "0.0.0.0" }, "/")).toThrow(
      /host: 0\.0\.0\.0 is reachable from other machines: set HOMESTREAM_ADMIN_PASSWORD/,
    );
    expect(parseStartOptions({ host: "0.0.0.0", adminPassword: "pw", users: "u.yaml" }, "/").host).toBe(
      "0.0.0.0",
    );
  });

  it("refuses MQTT beyond loopback without a users file, but not with the broker off", () => {
    expect(() => parseStartOptions({ mqttHost: "192.0.2.10" }, "/")).toThrow(
      /users: MQTT on 192\.0\.2\.10 is reachable from other machines: give a users file/,
    );
    // The editor's host is the broker's default host.
    expect(() => parseStartOptions({ host: "0.0.0.0", adminPassword: "pw" }, "/")).toThrow(
      /users: MQTT on 0\.0\.0\.0/,
    );
    expect(parseStartOptions({ host: "0.0.0.0", adminPassword: "pw", mqtt: false }, "/").mqtt).toBe(false);
  });

  it("names every bad field", () => {
    try {
      parseStartOptions({ port: 70000, mqttPort: "x", kafkaBrokers: ["nohost"], flow: "cloud" }, "/");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(StartOptionsError);
      const m = (err as Error).message;
      expect(m).toMatch(/port: must be between 0 and 65535/);
      expect(m).toMatch(/mqttPort: must be a port number, got "x"/);
      expect(m).toMatch(/kafkaBrokers\.0: each broker must be host:port/);
      expect(m).toMatch(/flow: /);
    }
  });

  it("resolves files against the working directory", () => {
    const o = parseStartOptions({ users: "users.yaml", dataDir: "/var/hs" }, "/home/u");
    expect(o.users).toBe(path.resolve("/home/u/users.yaml"));
    expect(o.dataDir).toBe("/var/hs");
  });
});

describe("clientHost", () => {
  it("reaches a wildcard listener on loopback, anything else as is", () => {
    expect(clientHost("0.0.0.0")).toBe("127.0.0.1");
    expect(clientHost("::")).toBe("127.0.0.1");
    expect(clientHost("192.0.2.1")).toBe("192.0.2.1");
  });
});
