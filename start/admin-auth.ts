// Credentials for an editor reachable beyond loopback: one administrator, the password given in the
// environment and kept only as a scrypt hash in memory. The editor uses Node-RED's own login
// (adminAuth with custom authenticate); the dashboard and HTTP-in routes get HTTP Basic auth with
// the same credentials, since they are served outside the editor's token scheme.
import { timingSafeEqual } from "node:crypto";
import { hashPassword, verifyPassword } from "@homestream/bridge/password-hash";
import type { Handler } from "./node-red-api.js";

export interface AdminUser {
  username: string;
  permissions: "*";
}

export class AdminCredentials {
  private constructor(
    readonly username: string,
    private readonly hash: string,
  ) {}

  static async create(username: string, password: string): Promise<AdminCredentials> {
    return new AdminCredentials(username, await hashPassword(password));
  }

  async check(username: unknown, password: unknown): Promise<boolean> {
    if (typeof username !== "string" || typeof password !== "string") return false;
    const a = Buffer.from(username);
    const b = Buffer.from(this.username);
    // Check the password even for a wrong name, so timing does not tell which part was wrong.
    const nameOk = a.length === b.length && timingSafeEqual(a, b);
    const passwordOk = await verifyPassword(password, this.hash);
    return nameOk && passwordOk;
  }

  /** Node-RED's `adminAuth` setting (type credentials, custom authenticate). */
  nodeRedAdminAuth(): Record<string, unknown> {
    const user: AdminUser = { username: this.username, permissions: "*" };
    return {
      type: "credentials",
      users: async (username: string) => (username === this.username ? user : null),
      authenticate: async (username: string, password: string) =>
        (await this.check(username, password)) ? user : null,
    };
  }

  /** HTTP Basic auth in front of the dashboard and HTTP-in routes. */
  basicAuth(realm: string): Handler {
    return (req, res, next) => {
      const header = req.headers.authorization ?? "";
      const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
      const decoded = m?.[1] ? Buffer.from(m[1], "base64").toString("utf8") : "";
      const colon = decoded.indexOf(":");
      const attempt =
        colon < 0 ? Promise.resolve(false) : this.check(decoded.slice(0, colon), decoded.slice(colon + 1));
      attempt.then(
        (ok) => {
          if (ok) {
            next();
            return;
          }
          res.statusCode = 401;
          res.setHeader("WWW-Authenticate", `Basic realm="${realm}", charset="UTF-8"`);
          res.end("authentication required\n");
        },
        (err: unknown) => next(err),
      );
    };
  }
}
