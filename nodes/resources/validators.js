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
  };
})();
