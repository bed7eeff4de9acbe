export * from "./duration.js";
export * from "./light-presence.js";
export * from "./reading.js";
export * from "./time.js";
export * from "./window-engine.js";
export * from "./window-options.js";
