// The simulator's network outputs: MQTT (`--mqtt URL`, like a house full of devices publishing to
// home/<room>/<sensor_type>) and Kafka (`--kafka BROKERS`, like the original producer: topic
// home_sensors, key = room). Both have the SimOutput shape and apply backpressure.

import { createKafkaClient } from "@homestream/kafka";
import { UsageError } from "./errors.js";
import { MqttPublisher } from "./mqtt-publisher.js";
import type { SimOutput } from "./sim-output.js";

export async function createMqttOutput(url: string, qos: 0 | 1): Promise<SimOutput> {
  if (!/^(mqtts?|wss?|tcp):\/\//.test(url))
    throw new UsageError(`--mqtt: "${url}" is not an MQTT URL (mqtt://host:port)`);
  const publisher = new MqttPublisher(url, { qos });
  await publisher.connect();
  return publisher;
}

/** Records awaiting Kafka's acknowledgement before send() asks the simulator to wait. */
const KAFKA_MAX_PENDING = 10_000;

export function createKafkaOutput(brokers: string, topic: string): SimOutput {
  const client = createKafkaClient({ brokers });
  const producer = client.producer({ topic });
  const pending = new Set<Promise<unknown>>();
  let firstError: Error | undefined;
  return {
    send(event) {
      if (firstError) throw firstError;
      const record =
        event.kind === "reading"
          ? { key: event.reading.room, value: JSON.stringify(event.reading) }
          : { key: "sim", value: event.text };
      const p: Promise<unknown> = producer
        .send(record)
        .catch((err: Error) => {
          firstError ??= err;
        })
        .finally(() => pending.delete(p));
      pending.add(p);
      return pending.size >= KAFKA_MAX_PENDING ? Promise.race(pending).then(() => undefined) : undefined;
    },
    async close() {
      await Promise.all(pending);
      await producer.close();
      if (firstError) throw firstError;
    },
  };
}
