// The simulator's MQTT output (`homestream sim --mqtt URL`): each reading as JSON to
// home/<room>/<sensor_type>, like a house full of devices; a malformed event's payload verbatim, so the
// bridge's dead-letter path gets exercised too. A bounded number of publishes wait for their
// acknowledgement at once (backpressure towards the simulator).

import type { TimedReading } from "@homestream/core/reading";
import type { SimEvent } from "@homestream/simulator/events";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";

export interface MqttPublisherOptions {
  /** 0: fire and forget; 1: each publish waits for the broker's PUBACK (default 1). */
  qos?: 0 | 1;
  clientId?: string;
  username?: string;
  password?: string;
  /** Topic of a reading; default home/<room>/<sensor_type>. */
  topicFor?: (r: TimedReading["reading"]) => string;
  /** Topic for malformed payloads (which have no room); default home/sim/malformed. */
  malformedTopic?: string;
  /** Publishes awaiting acknowledgement at most (default 100). */
  maxInFlight?: number;
}

export interface PublishSummary {
  published: number;
  /** Publishes the broker acknowledged (QoS 1) or that were written (QoS 0). */
  acknowledged: number;
  failed: number;
}

type Publishable = SimEvent | TimedReading;

function payloadOf(event: Publishable, options: MqttPublisherOptions): { topic: string; payload: string } {
  if ("kind" in event && event.kind === "malformed")
    return { topic: options.malformedTopic ?? "home/sim/malformed", payload: event.text };
  const r = (event as TimedReading).reading;
  return { topic: options.topicFor?.(r) ?? `home/${r.room}/${r.sensor_type}`, payload: JSON.stringify(r) };
}

/** An MQTT output with the simulator's SimOutput shape: send() (a promise when full), close(). */
export class MqttPublisher {
  #client: MqttClient | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #summary: PublishSummary = { published: 0, acknowledged: 0, failed: 0 };
  #firstError: Error | undefined;

  constructor(
    private readonly url: string,
    private readonly options: MqttPublisherOptions = {},
  ) {}

  async connect(): Promise<void> {
    const o = this.options;
    const options: IClientOptions = {
      clientId: o.clientId ?? `homestream-sim-${process.pid}`,
      username: o.username,
      password: o.password,
      // Reconnect and resend unacknowledged QoS 1 publishes, as a device would.
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
    };
    this.#client = await mqtt.connectAsync(this.url, options);
  }

  get summary(): PublishSummary {
    return { ...this.#summary };
  }

  /** Publishes one event; returns a promise when `maxInFlight` publishes are waiting (await it). */
  send(event: Publishable): Promise<void> | undefined {
    const client = this.#client;
    if (!client) throw new Error("MqttPublisher: connect() first");
    if (this.#firstError) throw this.#firstError;
    const { topic, payload } = payloadOf(event, this.options);
    this.#summary.published++;
    const p: Promise<void> = client
      .publishAsync(topic, payload, { qos: this.options.qos ?? 1 })
      .then(
        () => {
          this.#summary.acknowledged++;
        },
        (err: Error) => {
          this.#summary.failed++;
          this.#firstError ??= err;
        },
      )
      .finally(() => this.#inFlight.delete(p));
    this.#inFlight.add(p);
    if (this.#inFlight.size >= (this.options.maxInFlight ?? 100)) return Promise.race(this.#inFlight);
    return undefined;
  }

  /** Waits for every publish to be acknowledged, then disconnects. */
  async close(): Promise<void> {
    await Promise.all(this.#inFlight);
    await this.#client?.endAsync();
    this.#client = undefined;
    if (this.#firstError) throw this.#firstError;
  }
}

/**
 * Publishes every reading (or simulator event) of `readings` to the broker at `url`, pacing itself
 * on acknowledgements; resolves with the counts once all are acknowledged and the client is closed.
 */
export async function publishReadings(
  url: string,
  readings: AsyncIterable<Publishable> | Iterable<Publishable>,
  options: MqttPublisherOptions = {},
): Promise<PublishSummary> {
  const out = new MqttPublisher(url, options);
  await out.connect();
  try {
    for await (const r of readings) {
      const wait = out.send(r);
      if (wait) await wait;
    }
  } finally {
    await out.close();
  }
  return out.summary;
}
