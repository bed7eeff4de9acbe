export * from "./duration.js";
export * from "./reading.js";
export * from "./time.js";
