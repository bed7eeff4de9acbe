// MQTT topic patterns with named placeholders (`home/+room/+sensor_type`) and `{name}` templates:
// how the bridge turns a topic into Kafka topic, key and reading fields. Pure.

/** Placeholder values captured from a topic, by name. */
export type TopicVars = Readonly<Record<string, string>>;

export interface TopicPattern {
  /** The pattern as written. */
  readonly source: string;
  /** The plain MQTT filter it corresponds to (`home/+/+`), for subscribing. */
  readonly filter: string;
  /** Placeholder names in order of appearance. */
  readonly names: readonly string[];
  /** Captured placeholders when `topic` matches, otherwise undefined. */
  match(topic: string): TopicVars | undefined;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Level =
  | { kind: "literal"; text: string }
  | { kind: "single"; name?: string }
  | { kind: "multi"; name?: string };

function parseLevel(level: string, index: number, count: number, source: string): Level {
  const wildcard = level[0];
  if (wildcard !== "+" && wildcard !== "#") {
    // [MQTT-4.7.1-1] wildcards are only valid as a whole level.
    if (level.includes("+") || level.includes("#"))
      throw new Error(`topic pattern "${source}": "${level}" mixes a wildcard with text`);
    return { kind: "literal", text: level };
  }
  const name = level.slice(1) || undefined;
  if (name !== undefined && !NAME.test(name))
    throw new Error(
      `topic pattern "${source}": placeholder "${name}" must be a letter or _ then letters, digits, _`,
    );
  if (wildcard === "#" && index !== count - 1)
    // [MQTT-4.7.1-2] the multi-level wildcard must be the last level.
    throw new Error(`topic pattern "${source}": "#" must be the last level`);
  return wildcard === "+" ? { kind: "single", name } : { kind: "multi", name };
}

/** Compiles a pattern; throws an Error saying what is wrong with it. */
export function compileTopicPattern(source: string): TopicPattern {
  if (source.length === 0) throw new Error("topic pattern must not be empty");
  const raw = source.split("/");
  const levels = raw.map((l, i) => parseLevel(l, i, raw.length, source));
  const names: string[] = [];
  for (const l of levels) {
    if (l.kind === "literal" || l.name === undefined) continue;
    if (names.includes(l.name))
      throw new Error(`topic pattern "${source}": placeholder "${l.name}" appears twice`);
    names.push(l.name);
  }
  const filter = levels
    .map((l) => (l.kind === "literal" ? l.text : l.kind === "single" ? "+" : "#"))
    .join("/");
  const multi = levels.at(-1)?.kind === "multi";

  const match = (topic: string): TopicVars | undefined => {
    const parts = topic.split("/");
    // `a/#` also matches `a` itself [MQTT-4.7.1-2], hence the minimum of levels-1.
    if (multi ? parts.length < levels.length - 1 : parts.length !== levels.length) return undefined;
    // [MQTT-4.7.2-1] wildcards at the first level do not match `$`-topics such as $SYS.
    if (topic.startsWith("$") && levels[0]?.kind !== "literal") return undefined;
    const vars: Record<string, string> = Object.create(null);
    for (let i = 0; i < levels.length; i++) {
      const l = levels[i] as Level;
      if (l.kind === "multi") {
        if (l.name !== undefined) vars[l.name] = parts.slice(i).join("/");
        break;
      }
      const part = parts[i] as string;
      if (l.kind === "literal") {
        if (part !== l.text) return undefined;
      } else {
        // A placeholder stands for a value: an empty level (`home//x`) carries none.
        if (l.name !== undefined && part.length === 0) return undefined;
        if (l.name !== undefined) vars[l.name] = part;
      }
    }
    return vars;
  };
  return { source, filter, names, match };
}

export type Rendered = { ok: true; text: string } | { ok: false; missing: string };

export interface Template {
  readonly source: string;
  /** Names referenced as `{name}`. */
  readonly names: readonly string[];
  /** The rendered text, or the first referenced name missing from `vars`. */
  render(vars: TopicVars): Rendered;
  /** The same with values looked up by a function (saves building an object per message). */
  renderWith(lookup: (name: string) => string | undefined): Rendered;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Compiles a `{name}` template; `{{` and `}}` stand for literal braces. */
export function compileTemplate(source: string): Template {
  const pieces: Array<string | { name: string }> = [];
  const names: string[] = [];
  const escaped = source.replaceAll("{{", "\u0000").replaceAll("}}", "\u0001");
  let last = 0;
  for (const m of escaped.matchAll(PLACEHOLDER)) {
    const name = m[1] as string;
    if (!NAME.test(name))
      throw new Error(`template "${source}": "{${name}}" is not a valid placeholder name`);
    pieces.push(escaped.slice(last, m.index));
    pieces.push({ name });
    if (!names.includes(name)) names.push(name);
    last = m.index + m[0].length;
  }
  pieces.push(escaped.slice(last));
  const restoreBraces = (s: string) => s.replaceAll("\u0000", "{").replaceAll("\u0001", "}");
  for (const p of pieces) {
    if (typeof p === "string" && (p.includes("{") || p.includes("}")))
      throw new Error(`template "${source}": unbalanced brace (write {{ or }} for a literal one)`);
  }
  const parts = pieces.map((p) => (typeof p === "string" ? restoreBraces(p) : p)).filter((p) => p !== "");
  const renderWith = (lookup: (name: string) => string | undefined): Rendered => {
    let text = "";
    for (const p of parts) {
      if (typeof p === "string") text += p;
      else {
        const v = lookup(p.name);
        if (v === undefined) return { ok: false, missing: p.name };
        text += v;
      }
    }
    return { ok: true, text };
  };
  // The common shapes, a constant ("home_sensors") or one placeholder ("{room}"), skip the loop.
  const only = parts.length === 1 ? parts[0] : undefined;
  const constant: Rendered | undefined =
    parts.length === 0
      ? { ok: true, text: "" }
      : typeof only === "string"
        ? { ok: true, text: only }
        : undefined;
  const single = typeof only === "object" ? only.name : undefined;
  return {
    source,
    names,
    render: (vars) => constant ?? renderWith((name) => (Object.hasOwn(vars, name) ? vars[name] : undefined)),
    renderWith(lookup) {
      if (constant) return constant;
      if (single !== undefined) {
        const v = lookup(single);
        return v === undefined ? { ok: false, missing: single } : { ok: true, text: v };
      }
      return renderWith(lookup);
    },
  };
}
