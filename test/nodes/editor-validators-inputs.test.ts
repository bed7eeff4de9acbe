import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvWriterConfig } from "../../nodes/csv-writer/config.js";
import { kafkaOutConfig } from "../../nodes/kafka-out/config.js";
import { lightPresenceConfig } from "../../nodes/light-presence/config.js";
import { accepts, loadValidators } from "./validators-resource.js";

const runtime = {
  statePattern: (v: string) => accepts(() => lightPresenceConfig({ inputMode: "topics", topicPattern: v })),
  msgProperty: (v: string) => accepts(() => csvWriterConfig({ property: v }, "/tmp")),
  keyProperty: (v: string) => accepts(() => kafkaOutConfig({ key: "property", keyProperty: v })),
};

const PATTERNS = [
  "+room/+kind",
  "home/+room/+kind",
  "zigbee2mqtt/+room/+",
  "+room/#rest",
  "#room",
  "",
  " ",
  "+/+kind",
  "+room/+room",
  "+room/a+b",
  "#room/x",
  "+room/+1x",
  "+Room/+kind",
  "+room/",
  "/+room",
  " +room/+kind ",
];
const PROPERTIES = [
  "payload",
  "data",
  "payload.rows",
  'data["x y"]',
  "a[0].b",
  "",
  " ",
  "payload..x",
  "1abc",
  "a b",
  "a.",
  "$x",
  "a['b']",
];

describe("input-mode editor validators mirror the runtime", () => {
  const v = loadValidators();

  it("state topic patterns: the same verdict as light-presence's configuration", () => {
    const check = (s: string) => {
      expect(v.statePattern()(s), JSON.stringify(s)).toBe(runtime.statePattern(s));
    };
    for (const s of PATTERNS) check(s);
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z+#/ _1]{0,14}(room|kind)?[a-z+#/]{0,4}$/), (s) => check(s)),
      { numRuns: 2000 },
    );
  });

  it("msg properties: the same verdict as csv-writer's configuration", () => {
    const check = (s: string) => {
      expect(v.msgProperty()(s), JSON.stringify(s)).toBe(runtime.msgProperty(s));
      // kafka-out's key property: the same rule, and a key from a property needs one named.
      expect(v.msgProperty()(s) && s.trim() !== "", `key ${JSON.stringify(s)}`).toBe(runtime.keyProperty(s));
    };
    for (const s of PROPERTIES) check(s);
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z$_.[\]"'0-9 ]{0,10}$/), (s) => check(s)),
      { numRuns: 2000 },
    );
  });
});
