// aedes-persistence's own abstract test suite (node:test) run against the persistence the embedded
// broker uses under --data-dir: aedes-persistence-level's async class on a classic-level database,
// as bridge/embedded-broker.ts builds it. Run by persistence.test.ts (vitest) with `node --test`.
"use strict";
const { test } = require("node:test");
const { mkdtempSync, rmSync } = require("node:fs");
const { tmpdir } = require("node:os");
const path = require("node:path");
const abstractSuite = require("aedes-persistence/abstract.js");
const LevelPersistence = require("aedes-persistence-level/asyncPersistence.js");
const { ClassicLevel } = require("classic-level");

const root = mkdtempSync(path.join(tmpdir(), "hs-aedes-persistence-"));
process.on("exit", () => rmSync(root, { recursive: true, force: true }));
let n = 0;

abstractSuite({
  test,
  testAsync: true,
  persistence: () => new LevelPersistence(new ClassicLevel(path.join(root, String(n++)))),
});
