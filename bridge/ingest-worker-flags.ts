/** Passed in the ingest worker's argv when the process that starts it applied the kafkajs speed-ups. */
export const SPEEDUPS_FLAG = "--homestream-kafkajs-speedups";
