// The bridge as a library: the same code `homestream bridge` runs.
//   const bridge = new Bridge(await loadBridgeConfig({ overrides: { kafka: { brokers: ["127.0.0.1:9092"] } } }));
//   await bridge.start(); ... await bridge.stop();
export { Bridge, type BridgeAddresses, type BridgeDeps } from "./bridge.js";
export { type BridgeConfig, type BridgeConfigInput, bridgeConfigSchema } from "./config.js";
export { BridgeConfigError, CONFIG_FLAGS, type ConfigSources, loadBridgeConfig } from "./config-load.js";
export * from "./headers.js";
export { createLogger, LOG_LEVELS, type LogLevel } from "./logger.js";
export { BridgeMetrics } from "./metrics.js";
export { hashPassword, verifyPassword } from "./password-hash.js";
export type { OutRecord, RecordSink } from "./record-sink.js";
export { type InboundMessage, type Plan, planRecords } from "./records.js";
export { addUser, loadUsers, type NewUser, UserDirectory, UsersFileError } from "./users.js";
