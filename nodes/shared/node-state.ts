// Keeps a node's state (the window engine's, the detector's) in Node-RED's context, so it survives
// a redeploy and, with a persistent store (localfilesystem), a restart: loaded once at start,
// saved on close and, while it changes, at most `intervalMs` after a change (so a killed process
// loses at most that much). Stored in the global context under one key, `homestream_state`, as an
// object with one entry per node id: node context would not do, because an unconfigured runtime
// (no contextStorage in settings.js, the default install) deletes a node's context whenever the
// node closes, that is on every redeploy. The entries of nodes no longer in the deployed flows are
// removed when a node of ours starts (Node-RED does the same for node context after a deploy).
import { describeZodError } from "@homestream/core/issues";
import type { RestoreOutcome } from "@homestream/core/state-envelope";
import { z } from "zod";
import type { Node, NodeAPI } from "./red.js";

export const STATE_KEY = "homestream_state";
/** A changed state is saved at most this long after the change. */
export const SAVE_INTERVAL_MS = 4000;

/** What a node saved: its own state and the wall clock when saving. */
export interface SavedNodeState {
  savedAt: number;
  body: unknown;
}

const savedSchema = z.object({ savedAt: z.number(), body: z.unknown() });

export type LoadedNodeState =
  | { found: false }
  | { found: true; saved: SavedNodeState }
  /** Something is stored under this node's entry, but not a saved state. */
  | { found: true; error: string };

export interface NodeStateOptions {
  /** Context store name; undefined: the runtime's default store; null: keep no state. */
  store: string | undefined | null;
  intervalMs?: number;
  /** Wall clock (tests pass their own). */
  now?: () => number;
}

/** What a node's start found: no saved state, a restored one (with the rest of what it saved), or one it discarded. */
export type RestoredNodeState<T> =
  | { outcome: "none" }
  | { outcome: "restored"; value: T; body: Record<string, unknown> }
  /** `config`: saved under another configuration; `corrupt`: anything else that cannot be used. */
  | { outcome: "discarded"; reason: "config" | "corrupt"; message: string };

export class NodeStateKeeper {
  readonly #node: Node;
  /** Inputs that arrived before the saved state was restored; undefined once it was. */
  #waiting: Array<() => void> | undefined = [];
  readonly #snapshot: () => unknown;
  readonly #store: string | undefined;
  readonly #off: boolean;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(node: Node, snapshot: () => unknown, options: NodeStateOptions) {
    this.#node = node;
    this.#snapshot = snapshot;
    this.#store = options.store ?? undefined;
    this.#off = options.store === null;
    this.#intervalMs = options.intervalMs ?? SAVE_INTERVAL_MS;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Loads the saved state, removes the entries of nodes no longer deployed, and hands the node's own
   * part of it to `restore` (the core's restoreWindowEngine, restoreDetector). Call `restored()` once the
   * node has applied the outcome: inputs wait until then (`whenRestored`).
   */
  async restore<T>(
    RED: NodeAPI,
    restore: (body: Record<string, unknown>) => RestoreOutcome<T>,
  ): Promise<RestoredNodeState<T>> {
    const loaded = await this.load();
    await this.prune(NodeStateKeeper.deployedIds(RED));
    if (!loaded.found) return { outcome: "none" };
    if ("error" in loaded) return { outcome: "discarded", reason: "corrupt", message: loaded.error };
    const body = loaded.saved.body;
    if (typeof body !== "object" || body === null)
      return { outcome: "discarded", reason: "corrupt", message: "the saved state is not an object" };
    const r = restore(body as Record<string, unknown>);
    if (!r.ok)
      return {
        outcome: "discarded",
        reason: r.reason === "config" ? "config" : "corrupt",
        message: r.message,
      };
    return { outcome: "restored", value: r.value, body: body as Record<string, unknown> };
  }

  /** Runs `input` now, or once the saved state is restored. */
  whenRestored(input: () => void): void {
    if (this.#waiting) this.#waiting.push(input);
    else input();
  }

  /** The node has applied its saved state (or there was none): the inputs that waited run, in order. */
  restored(): void {
    const queued = this.#waiting ?? [];
    this.#waiting = undefined;
    for (const run of queued) run();
  }

  /**
   * The node closes: as `close`, except that a node closing before its state was even restored
   * leaves the saved state as it is (unless the node was removed).
   */
  finish(removed: boolean): Promise<void> {
    if (this.#waiting !== undefined && !removed) {
      this.abandon();
      return Promise.resolve();
    }
    return this.close(removed);
  }

  /** Ids of every node in the deployed configuration, for `prune`. */
  static deployedIds(RED: NodeAPI): Set<string> {
    const ids = new Set<string>();
    RED.nodes.eachNode((n) => ids.add(n.id));
    return ids;
  }

  /** The key of this node's entry: dots would make Node-RED read a nested path. */
  get #key(): string {
    return `${STATE_KEY}.${this.#node.id.replaceAll(".", "_")}`;
  }

  /** Reads this node's saved state, if any. Rejects only when the store itself fails. */
  load(): Promise<LoadedNodeState> {
    if (this.#off) return Promise.resolve({ found: false });
    return new Promise((resolve, reject) => {
      this.#node.context().global.get(this.#key, this.#store, (err, value) => {
        if (err) {
          reject(err);
          return;
        }
        if (value === undefined || value === null) {
          resolve({ found: false });
          return;
        }
        const r = savedSchema.safeParse(value);
        resolve(
          r.success
            ? { found: true, saved: r.data }
            : {
                found: true,
                error: `not a saved node state (${describeZodError(r.error, { whole: "entry" })})`,
              },
        );
      });
    });
  }

  /**
   * Removes the entries of nodes that are not in the deployed configuration (`known`). Ids with a
   * "-" are left alone: nodes inside subflow instances get such ids, which the configuration does
   * not list.
   */
  prune(known: ReadonlySet<string>): Promise<void> {
    if (this.#off) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#node.context().global.get(STATE_KEY, this.#store, (err, value) => {
        if (err) {
          reject(err);
          return;
        }
        if (typeof value !== "object" || value === null) {
          resolve();
          return;
        }
        const keys = new Set([...known].map((id) => id.replaceAll(".", "_")));
        const stale = Object.keys(value).filter((id) => !keys.has(id) && !id.includes("-"));
        if (stale.length === 0) {
          resolve();
          return;
        }
        const rest = Object.fromEntries(Object.entries(value).filter(([id]) => !stale.includes(id)));
        this.#node.context().global.set(STATE_KEY, rest, this.#store, (e) => (e ? reject(e) : resolve()));
      });
    });
  }

  /** The state changed: save it within the interval (one pending save at a time). */
  changed(): void {
    if (this.#off || this.#closed || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.save().catch((err: Error) => this.#node.warn(`state not saved: ${err.message}`));
    }, this.#intervalMs);
  }

  /** Saves the state now (and cancels a pending save). */
  save(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const saved: SavedNodeState = { savedAt: this.#now(), body: this.#snapshot() };
    return this.#write(saved);
  }

  /**
   * The node is closing: a removed node's entry is deleted, otherwise the state is saved so that
   * the node deployed next (the same id) resumes from it.
   */
  async close(removed: boolean): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#closed = true;
    if (removed) await this.#write(undefined);
    else await this.#write({ savedAt: this.#now(), body: this.#snapshot() });
  }

  /** The node closes before its state was even loaded: leave the saved state as it is. */
  abandon(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#closed = true;
  }

  #write(value: SavedNodeState | undefined): Promise<void> {
    if (this.#off) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#node
        .context()
        .global.set(this.#key, value, this.#store, (err) => (err ? reject(err) : resolve()));
    });
  }
}

/** `stateStore` value meaning: keep no state (a source that starts over, such as a simulator). */
export const NO_STATE = "none";

/**
 * The `stateStore` field of a node's configuration: a store name; blank for the runtime's default
 * store (undefined); "none" to keep no state (null).
 */
export function stateStore() {
  return z
    .preprocess(
      (v) => (v === undefined || v === null ? "" : v),
      z.string({ error: "must be a context store name" }),
    )
    .transform((v) => {
      const name = v.trim();
      if (name === NO_STATE) return null;
      return name === "" ? undefined : name;
    });
}
