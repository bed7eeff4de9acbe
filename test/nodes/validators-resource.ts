// The nodes' shared editor validators (nodes/resources/validators.js) loaded as the editor loads them,
// for the tests that compare them with the runtime's rules.
import { readFileSync } from "node:fs";
import path from "node:path";
import { runInNewContext } from "node:vm";
import { root } from "./embedded.js";

export const VALIDATORS_FILE = path.join(root, "nodes", "resources", "validators.js");

export type Check = (v: unknown) => boolean;
export interface Validators {
  duration(optional: boolean): Check;
  topic(optional: boolean): Check;
  topicList(): Check;
  statePattern(): Check;
  msgProperty(): Check;
}

export function loadValidators(): Validators {
  const window: { HomeStreamValidators?: Validators } = {};
  runInNewContext(readFileSync(VALIDATORS_FILE, "utf8"), { window });
  if (!window.HomeStreamValidators) throw new Error("validators.js defined nothing");
  return window.HomeStreamValidators;
}

/** Whether `f` runs without throwing (a runtime config parser's verdict). */
export function accepts(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch {
    return false;
  }
}
