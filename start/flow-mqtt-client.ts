// The flow's own MQTT client (the example's mqtt-in) must get into the embedded broker even when the
// broker demands credentials (listening beyond loopback with a users file). It gets a user of its
// own: a random password kept in the data directory (created once, mode 0600), added to a copy of the
// users file for this run, and given to the flow's mqtt-broker node on first deploy. On loopback
// without a users file the broker treats it as anonymous, so the same flow works either way.
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { addUser } from "@homestream/bridge/users";

export interface MqttClientCredentials {
  username: string;
  password: string;
}

export const FLOW_CLIENT_USER = "homestream-flow";

/** The flow client's credentials, created on first use and kept in `dir`. */
export async function flowClientCredentials(dir: string): Promise<MqttClientCredentials> {
  const file = path.join(dir, "homestream-mqtt-client.json");
  try {
    const saved = JSON.parse(await readFile(file, "utf8")) as Partial<MqttClientCredentials>;
    if (typeof saved.username === "string" && typeof saved.password === "string")
      return { username: saved.username, password: saved.password };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const creds = { username: FLOW_CLIENT_USER, password: randomBytes(24).toString("base64url") };
  await mkdir(dir, { recursive: true });
  await writeFile(file, `${JSON.stringify(creds)}\n`, { mode: 0o600 });
  return creds;
}

/**
 * A copy of `usersFile` (in `runDir`) that also admits the flow client, with every topic allowed:
 * the flow subscribes to all devices' readings. Returns the copy's path.
 */
export async function usersFileWithFlowClient(
  usersFile: string,
  runDir: string,
  client: MqttClientCredentials,
): Promise<string> {
  await mkdir(runDir, { recursive: true, mode: 0o700 });
  const copy = path.join(runDir, usersFile.endsWith(".json") ? "mqtt-users.json" : "mqtt-users.yaml");
  await rm(copy, { force: true });
  await copyFile(usersFile, copy);
  await addUser(copy, { username: client.username, password: client.password, allow: ["#"] });
  return copy;
}
