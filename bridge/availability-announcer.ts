// Device availability as data for the flows of the embedded broker's own house: a message on a topic
// whose mapping rule reads `payload: availability` (Tasmota's LWT, zigbee2mqtt's availability, a will)
// is announced again, as the availability reading it becomes, on `home/<room>/availability`, retained.
// That is the topic shape flows already subscribe to for readings (`home/+/+`), so the example flow's
// light-presence detector sees a device go offline without Kafka. The announcement is the broker's own
// publish: it does not pass through authorizePublish, so it is not ingested a second time.
import { adaptPayload } from "@homestream/core/payload-adapters";
import type { Reading } from "@homestream/core/reading";
import { readingDefaults, sourceVars, type TopicMapping } from "@homestream/core/topic-mapping";
import type { InboundMessage } from "./records.js";

/** Topics remembered (whether an availability rule reads them); beyond, the memory starts over. */
const TOPIC_MEMORY = 10_000;
/** A level of a topic we publish to may hold no wildcard or separator [MQTT-4.7.1-1]. */
const TOPIC_LEVEL = /^[^/+#]+$/;

export class AvailabilityAnnouncer {
  readonly #isAvailability = new Map<string, boolean>();

  constructor(
    private readonly mapping: TopicMapping,
    private readonly timeZone: string,
    private readonly publish: (topic: string, payload: string) => void,
  ) {}

  /** An announcer when some rule reads availability, else undefined (nothing to do per message). */
  static for(
    mapping: TopicMapping,
    timeZone: string,
    publish: (topic: string, payload: string) => void,
  ): AvailabilityAnnouncer | undefined {
    return mapping.rules.some((r) => r.payload === "availability")
      ? new AvailabilityAnnouncer(mapping, timeZone, publish)
      : undefined;
  }

  /** Announces the availability reading `msg` becomes, if an availability rule reads its topic. */
  observe(msg: InboundMessage): void {
    let known = this.#isAvailability.get(msg.topic);
    if (known === false) return;
    const m = this.mapping.match(msg.topic);
    if (known === undefined) {
      if (this.#isAvailability.size >= TOPIC_MEMORY) this.#isAvailability.clear();
      known = m?.rule.payload === "availability";
      this.#isAvailability.set(msg.topic, known);
      if (!known) return;
    }
    if (!m) return;
    const clientId = msg.clientIdAssigned ? undefined : msg.clientId;
    const vars = sourceVars(m, { topic: msg.topic, clientId });
    const defaults = readingDefaults(m, vars);
    if (!defaults.ok) return;
    const adapted = adaptPayload(msg.payload, "availability", {
      ...defaults.value,
      receivedAt: msg.receivedAt,
      timeZone: this.timeZone,
    });
    for (const { reading } of adapted.readings) this.#announce(msg.topic, reading);
  }

  #announce(source: string, reading: Reading): void {
    if (!TOPIC_LEVEL.test(reading.room)) return;
    const topic = `home/${reading.room}/availability`;
    if (topic !== source) this.publish(topic, JSON.stringify(reading));
  }
}
