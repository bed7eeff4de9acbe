// The path every MQTT message takes, whichever broker it came from: plan its records (readings and
// dead letter), count and log rejections, hand the records to Kafka with the guarantee its QoS asks.
import type { Delivery } from "./delivery.js";
import type { BridgeMetrics } from "./metrics.js";
import { type InboundMessage, type Plan, type PlanOptions, RecordPlanner } from "./records.js";
import type { RejectionLog } from "./rejection-log.js";

/** What the MQTT side hands messages to: the Ingest below, or its stand-in for a worker thread. */
export interface IngestPort {
  /** QoS 1/2: true once Kafka has every record, so the device may be acknowledged. */
  reliable(msg: InboundMessage): Promise<boolean>;
  /** QoS 0: handed over (undefined), or a promise while it waits for room; see Ingest#bestEffort. */
  bestEffort(msg: InboundMessage): Promise<void> | undefined;
}

export class Ingest implements IngestPort {
  constructor(
    private readonly plan: PlanOptions,
    /** Undefined when no Kafka is configured: messages are validated and counted, not forwarded. */
    private readonly delivery: Delivery | undefined,
    private readonly rejections: RejectionLog,
    private readonly metrics: BridgeMetrics,
    /** How long a QoS 0 message may wait for room in the best-effort buffer before it is dropped. */
    private readonly qos0WaitMs = 1000,
  ) {
    this.#planner = new RecordPlanner(plan);
  }

  readonly #planner: RecordPlanner;

  #prepare(msg: InboundMessage): Plan {
    this.metrics.countReceived(msg.qos);
    const plan = this.#planner.plan(msg);
    if (plan.rejections.length > 0) this.rejections.record(msg.topic, msg.clientId, plan.rejections);
    else if (plan.notForwarded) this.rejections.notForwarded(msg.topic, msg.clientId, plan.notForwarded);
    return plan;
  }

  /** QoS 1/2: true once Kafka has every record, so the device may be acknowledged. */
  reliable(msg: InboundMessage): Promise<boolean> {
    const plan = this.#prepare(msg);
    return this.delivery ? this.delivery.deliver(plan) : Promise.resolve(true);
  }

  /**
   * QoS 0: handed over if there is room in the best-effort buffer. When it is full this waits (at most
   * `qos0WaitMs`, holding the sender's connection) for room, then drops the message if there is none.
   * Returns a promise only when it has to wait.
   */
  bestEffort(msg: InboundMessage): Promise<void> | undefined {
    const delivery = this.delivery;
    if (!delivery || delivery.acceptsBestEffort) {
      delivery?.offer(this.#prepare(msg));
      return undefined;
    }
    return delivery.roomForBestEffort(this.qos0WaitMs).then((room) => {
      if (room) delivery.offer(this.#prepare(msg), true);
      else {
        // Still full: parsing what is dropped anyway would only take CPU from what can be delivered.
        this.metrics.countReceived(0);
        delivery.dropBestEffort();
      }
    });
  }
}
