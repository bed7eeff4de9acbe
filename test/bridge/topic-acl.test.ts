import { describe, expect, it } from "vitest";
import { isLoopbackHost } from "../../bridge/access-policy.js";
import { TopicAcl } from "../../bridge/topic-acl.js";

describe("TopicAcl", () => {
  it("allows whole-level subtrees, not string prefixes", () => {
    const acl = new TopicAcl(["home/kitchen", "sensors/"]);
    expect(acl.allowsTopic("home/kitchen")).toBe(true);
    expect(acl.allowsTopic("home/kitchen/temperature")).toBe(true);
    expect(acl.allowsTopic("home/kitchenette/temperature")).toBe(false);
    expect(acl.allowsTopic("home/bedroom/temperature")).toBe(false);
    expect(acl.allowsTopic("sensors/x")).toBe(true);
  });

  it("puts the user's name in for %u, and # allows everything", () => {
    const acl = new TopicAcl(["devices/%u"], "lamp7");
    expect(acl.allowsTopic("devices/lamp7/state")).toBe(true);
    expect(acl.allowsTopic("devices/lamp8/state")).toBe(false);
    expect(new TopicAcl(["#"]).allowsTopic("anything/at/all")).toBe(true);
    expect(new TopicAcl([]).allowsTopic("home")).toBe(false);
  });

  it("allows subscriptions whose wildcards stay inside a prefix", () => {
    const acl = new TopicAcl(["home/kitchen"]);
    expect(acl.allowsFilter("home/kitchen/#")).toBe(true);
    expect(acl.allowsFilter("home/kitchen/+")).toBe(true);
    expect(acl.allowsFilter("home/+/temperature")).toBe(false);
    expect(acl.allowsFilter("home/#")).toBe(false);
    expect(acl.allowsFilter("#")).toBe(false);
  });
});

describe("isLoopbackHost", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["::1", true],
    ["[::1]", true],
    ["localhost", true],
    ["0.0.0.0", false],
    ["::", false],
    ["192.168.1.10", false],
  ])("%s -> %s", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});
