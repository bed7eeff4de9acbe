// Per-user topic permissions: a list of topic prefixes, each standing for a subtree of whole levels
// (`home/kitchen` covers `home/kitchen` and `home/kitchen/...`, not `home/kitchenette`). `#` covers
// everything; `%u` stands for the user's own name (as in Mosquitto's ACL patterns).

export class TopicAcl {
  readonly #prefixes: readonly (readonly string[])[];
  readonly #all: boolean;

  constructor(prefixes: readonly string[], username?: string) {
    this.#all = prefixes.includes("#");
    this.#prefixes = prefixes
      .filter((p) => p !== "#")
      .map((p) => (username === undefined ? p : p.replaceAll("%u", username)).replace(/\/+$/, "").split("/"));
  }

  static readonly everything = new TopicAcl(["#"]);

  /** May a client publish to `topic`? */
  allowsTopic(topic: string): boolean {
    if (this.#all) return true;
    const levels = topic.split("/");
    return this.#prefixes.some((p) => p.length <= levels.length && p.every((l, i) => l === levels[i]));
  }

  /** May a client subscribe to `filter`: does every topic it can match lie under an allowed prefix? */
  allowsFilter(filter: string): boolean {
    if (this.#all) return true;
    const levels = filter.split("/");
    const wildcard = levels.findIndex((l) => l === "+" || l === "#");
    const literal = wildcard === -1 ? levels : levels.slice(0, wildcard);
    // The wildcard must come after the whole prefix, or it reaches beyond it.
    return this.#prefixes.some((p) => p.length <= literal.length && p.every((l, i) => l === literal[i]));
  }
}
