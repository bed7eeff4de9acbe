// This package's node types, in one list for the suites that check them (examples, the packed tarball,
// Node-RED 4.1, the editor's palette, `homestream start`): the folder names under nodes/ and the types.
export const OUR_NODES = [
  "sensor-sim",
  "kafka-broker",
  "kafka-out",
  "kafka-in",
  "windowed-stats",
  "light-presence",
  "csv-writer",
] as const;

export const OUR_TYPES = OUR_NODES.map((n) => `hs-${n}`);
