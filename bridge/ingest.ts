// The path every MQTT message takes, whichever broker it came from: plan its records (readings and
// dead letter), count and log rejections, hand the records to Kafka with the guarantee its QoS asks.
import type { Delivery } from "./delivery.js";
import type { BridgeMetrics } from "./metrics.js";
import { type InboundMessage, type Plan, type PlanOptions, planRecords } from "./records.js";
import type { RejectionLog } from "./rejection-log.js";

export class Ingest {
  constructor(
    private readonly plan: PlanOptions,
    /** Undefined when no Kafka is configured: messages are validated and counted, not forwarded. */
    private readonly delivery: Delivery | undefined,
    private readonly rejections: RejectionLog,
    private readonly metrics: BridgeMetrics,
  ) {}

  #prepare(msg: InboundMessage): Plan {
    this.metrics.received.inc({ qos: String(msg.qos) });
    const plan = planRecords(msg, this.plan);
    if (plan.rejections.length > 0) this.rejections.record(msg.topic, msg.clientId, plan.rejections);
    return plan;
  }

  /** QoS 1/2: true once Kafka has every record, so the device may be acknowledged. */
  reliable(msg: InboundMessage): Promise<boolean> {
    const plan = this.#prepare(msg);
    return this.delivery ? this.delivery.deliver(plan) : Promise.resolve(true);
  }

  /** QoS 0: handed over if there is room, else dropped and counted. */
  bestEffort(msg: InboundMessage): void {
    const plan = this.#prepare(msg);
    this.delivery?.offer(plan);
  }
}
