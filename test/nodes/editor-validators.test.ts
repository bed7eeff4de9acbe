// The edit dialogs' validators (nodes/resources/validators.js, one copy shared by the nodes' editors)
// must accept exactly what the runtime accepts: both get the same inputs, hand-picked and generated.
// A real Node-RED serves the file where the nodes' HTML loads it from.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kafkaInConfig } from "../../nodes/kafka-in/config.js";
import { kafkaOutConfig } from "../../nodes/kafka-out/config.js";
import { duration } from "../../nodes/shared/config.js";
import { type EmbeddedRed, startRed } from "./embedded.js";
import { accepts, VALIDATORS_FILE as FILE, loadValidators } from "./validators-resource.js";

const URL_PATH = "/resources/@homestream/node-red-smart-home/validators.js";

const runtime = {
  /** An optional duration field of a node (blank gives its default). */
  duration: (v: string) => duration(1000).safeParse(v).success,
  dlqTopic: (v: string) => accepts(() => kafkaInConfig({ dlqTopic: v })),
  topics: (v: string) => accepts(() => kafkaInConfig({ topics: v })),
  topic: (v: string) => accepts(() => kafkaOutConfig({ topic: v })),
};
const blank = (v: string) => v.trim() === "";

const DURATIONS = [
  "60s",
  "1m",
  "500ms",
  "500 milliseconds",
  "1 millisecond",
  "10 seconds",
  "2.5h",
  "3 DAYS",
  "30",
  " 30 s ",
  "",
  "  ",
  "1e3",
  "-1s",
  "1 fortnight",
  "s",
  "1.s",
  ".5s",
  "1,5s",
  "10sec",
  "1 mins",
  "7d",
];
const TOPICS = [
  "home_sensors",
  "home_sensors.dlq",
  "a-b_c.d",
  "",
  " ",
  "bad topic",
  "x".repeat(249),
  "x".repeat(250),
  "é",
  "a,b",
  " home ",
  "a/b",
];
const durationLike = fc.stringMatching(
  /^\s?-?\d{0,3}(\.\d{0,2})?\s?(ms|s|sec|m|min|minutes|h|hours|d|days|milliseconds|x|fortnight)?\s?$/,
);
const topicLike = fc.oneof(
  fc.stringMatching(/^[a-zA-Z0-9._\- ,/é]{0,12}$/),
  fc.integer({ min: 245, max: 252 }).map((n) => "t".repeat(n)),
);

describe("editor validators mirror the runtime's rules", () => {
  const v = loadValidators();

  it("durations: the same verdict as the nodes' duration fields", () => {
    const check = (s: string) => {
      expect(v.duration(true)(s), JSON.stringify(s)).toBe(runtime.duration(s));
      expect(v.duration(false)(s), JSON.stringify(s)).toBe(!blank(s) && runtime.duration(s));
    };
    for (const s of DURATIONS) check(s);
    fc.assert(
      fc.property(durationLike, (s) => check(s)),
      { numRuns: 2000 },
    );
  });

  it("topics: the same verdict as kafka-in's and kafka-out's configuration", () => {
    const check = (s: string) => {
      expect(v.topic(true)(s), `dlq ${JSON.stringify(s)}`).toBe(runtime.dlqTopic(s));
      // Required fields: the runtime gives a blank one its default, the editor asks for a value.
      const noTopic = s.split(",").every(blank);
      expect(v.topicList()(s), `topics ${JSON.stringify(s)}`).toBe(!noTopic && runtime.topics(s));
      expect(v.topic(false)(s), `topic ${JSON.stringify(s)}`).toBe(!blank(s) && runtime.topic(s));
    };
    for (const s of TOPICS) check(s);
    fc.assert(
      fc.property(topicLike, (s) => check(s)),
      { numRuns: 2000 },
    );
  });
});

describe("the shared validators in a real Node-RED", () => {
  let red: EmbeddedRed;
  beforeAll(async () => {
    red = await startRed("node-red");
  }, 60_000);
  afterAll(async () => {
    await red?.stop();
  }, 60_000);

  it("are served where the nodes' editors load them from", async () => {
    const res = await fetch(red.url + URL_PATH);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(readFileSync(FILE, "utf8"));
    const html = await (await fetch(`${red.url}/nodes`, { headers: { Accept: "text/html" } })).text();
    expect(html.split(`src="${URL_PATH.slice(1)}"`).length - 1).toBeGreaterThanOrEqual(4);
    expect(html).not.toMatch(/var (TOPIC|DURATION) =/);
  });
});
