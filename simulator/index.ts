// The simulator's public surface: scenarios, faults, replay and pacing.
export * from "./events.js";
export * from "./faults/inject.js";
export { MALFORMED_VARIANTS } from "./faults/malformed.js";
export * from "./home.js";
export * from "./options.js";
export * from "./pacing.js";
export * from "./random.js";
export * from "./realistic/realistic.js";
export * from "./replay/log-parser.js";
export * from "./replay/read-log.js";
export * from "./replay/retime.js";
export * from "./rng.js";
export * from "./simulation.js";
