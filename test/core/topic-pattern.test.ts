import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileTemplate, compileTopicPattern } from "../../core/topic-pattern.js";

describe("compileTopicPattern", () => {
  it("captures named placeholders and gives the plain MQTT filter", () => {
    const p = compileTopicPattern("home/+room/+sensor_type");
    expect(p.filter).toBe("home/+/+");
    expect(p.names).toEqual(["room", "sensor_type"]);
    expect(p.match("home/kitchen/temperature")).toEqual({ room: "kitchen", sensor_type: "temperature" });
    expect(p.match("home/kitchen")).toBeUndefined();
    expect(p.match("home/kitchen/temperature/x")).toBeUndefined();
    expect(p.match("office/kitchen/temperature")).toBeUndefined();
  });

  it("matches a multi-level tail, and the parent level itself [MQTT-4.7.1-2]", () => {
    const p = compileTopicPattern("zigbee2mqtt/#device");
    expect(p.match("zigbee2mqtt/kitchen/motion")).toEqual({ device: "kitchen/motion" });
    expect(p.match("zigbee2mqtt")).toEqual({ device: "" });
    expect(compileTopicPattern("a/#").match("a/b/c")).toEqual({});
  });

  it("does not let a placeholder stand for an empty level, nor a wildcard start match $SYS", () => {
    expect(compileTopicPattern("home/+room/+s").match("home//temperature")).toBeUndefined();
    expect(compileTopicPattern("+a/#").match("$SYS/broker/x")).toBeUndefined();
    expect(compileTopicPattern("$SYS/#").match("$SYS/broker/x")).toEqual({});
  });

  it("says what is wrong with a bad pattern", () => {
    expect(() => compileTopicPattern("home/#/x")).toThrow(/"#" must be the last level/);
    expect(() => compileTopicPattern("home/ro+om")).toThrow(/mixes a wildcard/);
    expect(() => compileTopicPattern("home/+a/+a")).toThrow(/appears twice/);
    expect(() => compileTopicPattern("home/+1x")).toThrow(/placeholder "1x"/);
    expect(() => compileTopicPattern("")).toThrow(/empty/);
  });

  it("agrees with a level-by-level oracle on random topics", () => {
    const level = fc.constantFrom("home", "kitchen", "a", "", "temperature", "$SYS");
    fc.assert(
      fc.property(
        fc.array(level, { minLength: 1, maxLength: 4 }),
        fc.array(fc.constantFrom("+", "#", "home", "a"), { minLength: 1, maxLength: 4 }),
        (topicLevels, patLevels) => {
          const hashAt = patLevels.indexOf("#");
          if (hashAt !== -1 && hashAt !== patLevels.length - 1) return;
          const topic = topicLevels.join("/");
          const pattern = compileTopicPattern(patLevels.join("/"));
          // Oracle: MQTT filter matching by levels.
          let expected = true;
          if (topic.startsWith("$") && (patLevels[0] === "+" || patLevels[0] === "#")) expected = false;
          else {
            for (let i = 0; i < patLevels.length; i++) {
              const p = patLevels[i];
              if (p === "#") break;
              if (i >= topicLevels.length) {
                expected = false;
                break;
              }
              if (p !== "+" && p !== topicLevels[i]) {
                expected = false;
                break;
              }
            }
            const multi = patLevels.at(-1) === "#";
            if (!multi && topicLevels.length !== patLevels.length) expected = false;
            if (multi && topicLevels.length < patLevels.length - 1) expected = false;
          }
          expect(pattern.match(topic) !== undefined).toBe(expected);
        },
      ),
    );
  });
});

describe("compileTemplate", () => {
  it("renders placeholders and literal braces", () => {
    const t = compileTemplate("{room}.{{x}}.{sensor_type}");
    expect(t.names).toEqual(["room", "sensor_type"]);
    expect(t.render({ room: "kitchen", sensor_type: "light" })).toEqual({
      ok: true,
      text: "kitchen.{x}.light",
    });
    expect(t.render({ room: "kitchen" })).toEqual({ ok: false, missing: "sensor_type" });
  });

  it("does not read inherited properties as variables", () => {
    expect(compileTemplate("{constructor}").render({})).toEqual({ ok: false, missing: "constructor" });
  });

  it("rejects malformed templates", () => {
    expect(() => compileTemplate("{room")).toThrow(/unbalanced brace/);
    expect(() => compileTemplate("{ro-om}")).toThrow(/not a valid placeholder/);
  });
});
