// Password hashes for the users file: scrypt (RFC 7914) with a random salt, stored as
// `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>` so the cost can be raised later without breaking old entries.
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

// N=2^14, r=8, p=1: about 16 MB and tens of milliseconds per check; OWASP's minimum for scrypt.
const DEFAULT = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem must cover 128 * N * r bytes, or Node refuses the larger costs.
    const maxmem = 256 * (options.N ?? DEFAULT.N) * (options.r ?? DEFAULT.r);
    scrypt(password.normalize("NFC"), salt, length, { ...options, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashPassword(password: string, cost = DEFAULT): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost, KEY_LENGTH);
  return ["scrypt", cost.N, cost.r, cost.p, salt.toString("base64"), key.toString("base64")].join("$");
}

/** True when `hash` looks like something hashPassword wrote. */
export function isPasswordHash(hash: string): boolean {
  return /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/.test(hash);
}

/** Checks a password against a stored hash in constant time; false for a malformed hash. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (!isPasswordHash(hash)) return false;
  const [, n, r, p, salt, key] = hash.split("$") as [string, string, string, string, string, string];
  const expected = Buffer.from(key, "base64");
  if (expected.length === 0) return false;
  let actual: Buffer;
  try {
    actual = await derive(
      password,
      Buffer.from(salt, "base64"),
      { N: Number(n), r: Number(r), p: Number(p) },
      expected.length,
    );
  } catch {
    return false;
  }
  return timingSafeEqual(actual, expected);
}
