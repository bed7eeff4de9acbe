// The kafka-in configuration as the editor saves it, validated once at deploy; consumer settings
// are checked again by the Kafka layer's own schema when the consumer is made.

import type { ConsumerConfigInput } from "@homestream/kafka/config";
import { topicName } from "@homestream/kafka/config";
import { z } from "zod";
import { choice, list, parseConfig, text, timeZone } from "../shared/config.js";
import { RECORD_FORMATS, type RecordFormat } from "./record-format.js";

const topic = (t: string) => topicName.safeParse(t).success;

const schema = z
  .object({
    broker: text(""),
    topics: list(["home_sensors"]).refine((ts) => ts.every(topic), {
      error: "each topic must be 1-249 letters, digits, '.', '_' or '-'",
    }),
    group: text("homestream-node-red"),
    start: choice(["latest", "earliest"], "latest"),
    invalid: choice(["output", "dlq"], "output"),
    dlqTopic: text("").refine((t) => t === "" || topic(t), {
      error: "must be 1-249 letters, digits, '.', '_' or '-'",
    }),
    timeZone: timeZone(),
    format: choice(RECORD_FORMATS, "reading"),
  })
  .loose();

export interface KafkaInConfig {
  brokerId: string;
  /** Invalid records: out of output 2 with the reason, or to the dead-letter topic. */
  invalid: "output" | "dlq";
  /** How a record's value becomes msg.payload (reading: validated, the default). */
  format: RecordFormat;
  consumer: ConsumerConfigInput & { topics: string[] };
}

export function kafkaInConfig(def: unknown): KafkaInConfig {
  const c = parseConfig(schema, def);
  return {
    brokerId: c.broker,
    invalid: c.invalid,
    format: c.format,
    consumer: {
      groupId: c.group,
      topics: c.topics,
      startPosition: c.start,
      // with "output" the node decodes itself and nothing is invalid to the layer
      deadLetterTopic: c.invalid === "dlq" ? (c.dlqTopic === "" ? undefined : c.dlqTopic) : false,
      timeZone: c.timeZone,
    },
  };
}
