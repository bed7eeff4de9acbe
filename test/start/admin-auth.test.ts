import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { AdminCredentials } from "../../start/admin-auth.js";

function basicRequest(header?: string) {
  const req = { headers: header === undefined ? {} : { authorization: header } } as IncomingMessage;
  const res = {
    statusCode: 200,
    headers: {} as Record<string, string>,
    body: "",
    setHeader(k: string, v: string) {
      this.headers[k] = v;
    },
    end(b: string) {
      this.body = b;
    },
  };
  return { req, res };
}

function runBasic(creds: AdminCredentials, header?: string): Promise<number> {
  const { req, res } = basicRequest(header);
  return new Promise((resolve, reject) => {
    const origEnd = res.end.bind(res);
    res.end = (b: string) => {
      origEnd(b);
      resolve(res.statusCode);
    };
    creds.basicAuth("test")(req, res as unknown as ServerResponse, (err) => (err ? reject(err) : resolve(0)));
  });
}

const b64 = (s: string) => `Basic ${Buffer.from(s).toString("base64")}`;

describe("AdminCredentials", () => {
  it("accepts exactly the configured user and password", async () => {
    const c = await AdminCredentials.create("alice", "correct horse");
    expect(await c.check("alice", "correct horse")).toBe(true);
    expect(await c.check("alice", "wrong")).toBe(false);
    expect(await c.check("bob", "correct horse")).toBe(false);
    expect(await c.check(undefined, "correct horse")).toBe(false);
  });

  it("gives Node-RED a credentials adminAuth with full permissions for that user only", async () => {
    const c = await AdminCredentials.create("alice", "pw");
    const auth = c.nodeRedAdminAuth() as {
      type: string;
      users: (u: string) => Promise<unknown>;
      authenticate: (u: string, p: string) => Promise<unknown>;
    };
    expect(auth.type).toBe("credentials");
    expect(await auth.users("alice")).toEqual({ username: "alice", permissions: "*" });
    expect(await auth.users("bob")).toBeNull();
    expect(await auth.authenticate("alice", "pw")).toEqual({ username: "alice", permissions: "*" });
    expect(await auth.authenticate("alice", "nope")).toBeNull();
  });

  it("lets a request through Basic auth only with the right credentials (next = 0, else 401)", async () => {
    const c = await AdminCredentials.create("alice", "p:w");
    expect(await runBasic(c, b64("alice:p:w"))).toBe(0);
    expect(await runBasic(c, b64("alice:pw"))).toBe(401);
    expect(await runBasic(c, b64("alice"))).toBe(401);
    expect(await runBasic(c, "Bearer abc")).toBe(401);
    expect(await runBasic(c)).toBe(401);
  });
});
