// Entry of the ingest worker thread. kafkajs is a library a host may share with others, so the worker
// changes it only when the process that started it did: the `homestream` app applies the kafkajs
// speed-ups in its processes (cli/main.ts) and its bridge passes the choice on (ingest-thread.ts). They
// must be in place before kafkajs loads, hence the worker proper (ingest-worker.ts) is required after.
import { applyKafkajsSpeedups } from "@homestream/kafka/kafkajs-patches";
import { SPEEDUPS_FLAG } from "./ingest-worker-flags.js";

if (process.argv.includes(SPEEDUPS_FLAG)) applyKafkajsSpeedups();
require("./ingest-worker.js");
