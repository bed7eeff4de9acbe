// The users file: who may connect (scrypt-hashed passwords) and where each may publish. JSON or YAML:
//   users:
//     - username: kitchen-sensor
//       password: scrypt$16384$8$1$...      (written by `homestream bridge add-user`)
//       allow: [home/kitchen]
import { randomBytes } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { describeZodError } from "@homestream/core/issues";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { z } from "zod";
import { hashPassword, isPasswordHash, verifyPassword } from "./password-hash.js";
import { TopicAcl } from "./topic-acl.js";

const userSchema = z
  .object({
    username: z
      .string()
      .min(1, "must not be empty")
      .max(256, "must be at most 256 characters")
      .refine((s) => !/[\s\p{Cc}]/u.test(s), "must not contain spaces or control characters"),
    password: z
      .string()
      .refine(isPasswordHash, "must be a scrypt hash written by `homestream bridge add-user`"),
    /** Topic prefixes this user may publish (and subscribe) under; `#` for all. */
    allow: z.array(z.string().min(1, "must not be empty")).default([]),
  })
  .strict();

const usersFileSchema = z
  .object({ users: z.array(userSchema).default([]) })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.users.forEach((u, i) => {
      if (seen.has(u.username))
        ctx.addIssue({
          code: "custom",
          path: ["users", i, "username"],
          message: `"${u.username}" appears twice`,
        });
      seen.add(u.username);
    });
  });

export type UserEntry = z.output<typeof userSchema>;

export class UsersFileError extends Error {
  override name = "UsersFileError";
}

export interface Principal {
  /** Undefined for an anonymous client. */
  username?: string;
  acl: TopicAcl;
}

/** The users of one file, checked against their hashes. */
export class UserDirectory {
  readonly #users: ReadonlyMap<string, UserEntry>;

  constructor(users: readonly UserEntry[]) {
    this.#users = new Map(users.map((u) => [u.username, u]));
  }

  get size(): number {
    return this.#users.size;
  }

  /** The principal for a correct username and password, otherwise undefined. */
  async authenticate(
    username: string,
    password: Buffer | string | undefined,
  ): Promise<Principal | undefined> {
    const user = this.#users.get(username);
    const text =
      password === undefined ? "" : typeof password === "string" ? password : password.toString("utf8");
    if (!user) {
      // Spend the same time as for a real user, so timing does not reveal which names exist.
      await hashPassword(text);
      return undefined;
    }
    if (!(await verifyPassword(text, user.password))) return undefined;
    return { username, acl: new TopicAcl(user.allow, username) };
  }
}

function parseUsersText(file: string, text: string): UserEntry[] {
  let data: unknown;
  try {
    data = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new UsersFileError(`users file ${file}: ${(err as Error).message}`);
  }
  const result = usersFileSchema.safeParse(data ?? {});
  if (!result.success) {
    const lines = [describeZodError(result.error, { whole: "(file)" })];
    throw new UsersFileError(`users file ${file}: ${lines.join("; ")}`);
  }
  return result.data.users;
}

export async function loadUsers(file: string): Promise<UserDirectory> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new UsersFileError(`users file ${file}: ${(err as Error).message}`);
  }
  return new UserDirectory(parseUsersText(file, text));
}

export interface NewUser {
  username: string;
  password: string;
  allow: readonly string[];
}

/**
 * Adds a user to the file (creating it) or replaces the user of that name; the password is hashed.
 * Written to a temporary file then renamed, so a crash never leaves half a users file; mode 0600.
 * Returns whether the user existed before.
 */
export async function addUser(file: string, user: NewUser): Promise<{ replaced: boolean }> {
  let text: string | undefined;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT")
      throw new UsersFileError(`users file ${file}: ${(err as Error).message}`);
  }
  let users = text === undefined ? [] : parseUsersText(file, text);
  const entry = userSchema.safeParse({
    username: user.username,
    password: await hashPassword(user.password),
    allow: [...user.allow],
  });
  if (!entry.success) {
    throw new UsersFileError(describeZodError(entry.error));
  }
  const replaced = users.some((u) => u.username === user.username);
  users = [...users.filter((u) => u.username !== user.username), entry.data];
  const out = file.endsWith(".json") ? `${JSON.stringify({ users }, null, 2)}\n` : stringifyYaml({ users });
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, out, { mode: 0o600 });
  await rename(tmp, file);
  return { replaced };
}
