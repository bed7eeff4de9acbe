// Values as Node-RED messages carry them (a bare 21.5, "21.5", true, "ON", "occupied", a
// zigbee2mqtt object), turned into the numbers the window engine and the light-presence detector
// use. Pure: no Node-RED, no clock.
import { clip, describeType } from "./time.js";

export type ValueResult = { ok: true; value: number } | { ok: false; reason: string };

// Decimal numbers as people and devices write them; not Number()'s looser grammar ("0x10", "").
const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A number for windowed statistics: a finite number, a decimal numeric string ("21.5"), or a
 * boolean (1/0, so a window's average of a switch is the share of time it reported on).
 */
export function numericValue(v: unknown): ValueResult {
  if (typeof v === "number") {
    return Number.isFinite(v) ? { ok: true, value: v } : { ok: false, reason: `not a finite number: ${v}` };
  }
  if (typeof v === "boolean") return { ok: true, value: v ? 1 : 0 };
  if (typeof v === "string") {
    const t = v.trim();
    if (NUMBER_TEXT.test(t)) {
      const n = Number(t);
      if (Number.isFinite(n)) return { ok: true, value: n };
    }
    return { ok: false, reason: `not a number: "${clip(v)}"` };
  }
  return { ok: false, reason: `not a number: ${describeType(v)}` };
}

/** The two kinds the light-presence rule reads. */
export type BinaryKind = "light" | "presence";

// Names devices and integrations give the two kinds in topics (zigbee2mqtt's `occupancy`,
// Home Assistant's `motion`/`occupancy` binary sensors, `lamp` for a light).
const KIND_NAMES: Readonly<Record<string, BinaryKind>> = {
  light: "light",
  lights: "light",
  lamp: "light",
  presence: "presence",
  occupancy: "presence",
  motion: "presence",
};

/** The kind a topic level names, case-insensitively; undefined for anything else. */
export function binaryKind(name: string): BinaryKind | undefined {
  return Object.hasOwn(KIND_NAMES, name.toLowerCase()) ? KIND_NAMES[name.toLowerCase()] : undefined;
}

// Words for on (1) and off (0): ON/OFF (zigbee2mqtt, Tasmota), on/off (Home Assistant states),
// occupied/clear (Home Assistant occupancy wording), detected/true/false, "1"/"0".
const WORDS: Readonly<Record<string, 0 | 1>> = {
  on: 1,
  off: 0,
  true: 1,
  false: 0,
  occupied: 1,
  clear: 0,
  detected: 1,
  "1": 1,
  "0": 0,
};

// Object fields that hold the state, in the order they are looked for, by kind: zigbee2mqtt
// sends {"occupancy": true} for presence sensors and {"state": "ON"} for lights; a Home
// Assistant state object has {"state": "on"}.
const FIELDS: Readonly<Record<BinaryKind, readonly string[]>> = {
  presence: ["occupancy", "presence", "state", "value"],
  light: ["state", "light", "value"],
};

/**
 * 0 or 1 for a light or presence value: a number (0 is off, any positive number on, so a dimmer's
 * brightness works), a boolean, one of the words above (any case), or an object carrying one of
 * those in a known field.
 */
export function binaryValue(v: unknown, kind: BinaryKind): ValueResult {
  if (typeof v === "number") {
    if (Number.isFinite(v) && v >= 0) return { ok: true, value: v > 0 ? 1 : 0 };
    return { ok: false, reason: `${kind}: a number must be 0 (off) or positive (on), got ${v}` };
  }
  if (typeof v === "boolean") return { ok: true, value: v ? 1 : 0 };
  if (typeof v === "string") {
    const w = v.trim().toLowerCase();
    if (Object.hasOwn(WORDS, w)) return { ok: true, value: WORDS[w] as 0 | 1 };
    return {
      ok: false,
      reason: `${kind}: "${clip(v)}" is not on/off, ON/OFF, true/false, occupied/clear or 0/1`,
    };
  }
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    const obj = v as Record<string, unknown>;
    for (const f of FIELDS[kind]) {
      if (Object.hasOwn(obj, f)) {
        const r = binaryValue(obj[f], kind);
        return r.ok ? r : { ok: false, reason: `${f}: ${r.reason}` };
      }
    }
    return { ok: false, reason: `${kind}: an object without ${FIELDS[kind].join(", ")}` };
  }
  return { ok: false, reason: `${kind}: not a state value: ${describeType(v)}` };
}
