// Who may connect, on which listener, and where they may publish: the users file's principals, and
// anonymous clients only on loopback listeners unless explicitly allowed beyond.
import { TopicAcl } from "./topic-acl.js";
import type { Principal, UserDirectory } from "./users.js";

export interface ListenerInfo {
  /** "tcp", "tls", "ws": for logs. */
  name: string;
  /** Bound to a loopback address only: nobody outside this machine can reach it. */
  loopback: boolean;
}

export type AuthOutcome =
  | { ok: true; principal: Principal }
  // MQTT 3.1.1 CONNACK return codes [MQTT-3.2.2.3]: 4 bad user name or password, 5 not authorized.
  | { ok: false; returnCode: 4 | 5; reason: "bad_credentials" | "anonymous_refused" };

const ANONYMOUS: Principal = { acl: TopicAcl.everything };

/** True for an address only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\./.test(h);
}

export class AccessPolicy {
  constructor(
    private readonly users: UserDirectory | undefined,
    private readonly allowAnonymous: boolean,
  ) {}

  async authenticate(
    username: string | undefined,
    password: Buffer | undefined,
    listener: ListenerInfo,
  ): Promise<AuthOutcome> {
    if (username !== undefined && username.length > 0 && this.users) {
      const principal = await this.users.authenticate(username, password);
      return principal ? { ok: true, principal } : { ok: false, returnCode: 4, reason: "bad_credentials" };
    }
    // Without a users file a username proves nothing, so such a client counts as anonymous.
    if (listener.loopback || this.allowAnonymous) return { ok: true, principal: ANONYMOUS };
    return { ok: false, returnCode: 5, reason: "anonymous_refused" };
  }
}
