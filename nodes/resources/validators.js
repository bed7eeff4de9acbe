// The edit dialogs' validators, one copy for every HomeStream node's editor (Node-RED serves this
// package's resources/ at resources/@homestream/node-red-smart-home/). Each mirrors a rule the runtime
// enforces: test/nodes/editor-validators.test.ts feeds this file and the runtime the same inputs.
(() => {
  if (window.HomeStreamValidators) return;

  // core/duration.ts: a number and a unit ("500ms", "30 s", "1 minute"), or a bare number of seconds.
  const UNITS = [
    "ms",
    "millisecond",
    "milliseconds",
    "s",
    "sec",
    "secs",
    "second",
    "seconds",
    "m",
    "min",
    "mins",
    "minute",
    "minutes",
    "h",
    "hour",
    "hours",
    "d",
    "day",
    "days",
  ];
  const DURATION = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i;
  // kafka/config.ts: Kafka's own rule for topic names.
  const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
  const blank = (v) => !/\S/.test(v == null ? "" : String(v));

  const isDuration = (v) => {
    const m = DURATION.exec(String(v));
    return m !== null && (m[2] === "" || UNITS.includes(m[2].toLowerCase()));
  };
  const topics = (v) =>
    String(v == null ? "" : v)
      .split(",")
      .map((t) => t.trim())
      .filter((t) => t !== "");

  // core/topic-pattern.ts and core/binary-topic.ts: light-presence's state topic patterns.
  const PLACEHOLDER = /^[A-Za-z_][A-Za-z0-9_]*$/;
  const isStatePattern = (v) => {
    const levels = String(v).trim().split("/");
    const names = [];
    for (let i = 0; i < levels.length; i++) {
      const l = levels[i];
      if (l[0] !== "+" && l[0] !== "#") {
        if (/[+#]/.test(l)) return false; // a wildcard only as a whole level
        continue;
      }
      const name = l.slice(1);
      if (name !== "" && !PLACEHOLDER.test(name)) return false;
      if (l[0] === "#" && i !== levels.length - 1) return false; // # last
      if (name !== "") {
        if (names.includes(name)) return false;
        names.push(name);
      }
    }
    return names.includes("room");
  };
  // nodes/shared/config.ts (msgProperty): a msg property path (payload, payload.rows, data["x"], a[0]).
  const PROPERTY = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*|\[(\d+|"[^"]*"|'[^']*')\])*$/;

  window.HomeStreamValidators = {
    /** A duration; with `optional`, an empty field too. */
    duration: (optional) => (v) => (blank(v) ? Boolean(optional) : isDuration(v)),
    /** One Kafka topic name; with `optional`, an empty field too. */
    topic: (optional) => (v) => (blank(v) ? Boolean(optional) : TOPIC.test(String(v).trim())),
    /** A comma-separated list of at least one Kafka topic name. */
    topicList: () => (v) => {
      const ts = topics(v);
      return ts.length > 0 && ts.every((t) => TOPIC.test(t));
    },
    /** A state topic pattern naming +room (blank: the default +room/+kind). */
    statePattern: () => (v) => blank(v) || isStatePattern(v),
    /** A msg property path (blank: payload). */
    msgProperty: () => (v) => blank(v) || PROPERTY.test(String(v).trim()),
  };
})();
