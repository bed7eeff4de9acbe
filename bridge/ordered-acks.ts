// Acknowledgements released in the order the PUBLISH packets arrived, whatever order Kafka confirms
// them in: "it MUST send PUBACK packets in the order in which the corresponding PUBLISH packets were
// received" [MQTT-4.6.0-2]. One instance per MQTT connection.

import Denque from "denque";

interface Slot {
  ack: (() => void) | undefined;
  ready: boolean;
}

export class OrderedAcks {
  readonly #slots = new Denque<Slot>();

  /** Slots reserved and not yet released. */
  get pending(): number {
    return this.#slots.length;
  }

  /**
   * Reserves the next place in line. Call the returned function with the acknowledgement to send once
   * this message may be acknowledged; it runs when every earlier message has been acknowledged too.
   */
  reserve(): (ack: () => void) => void {
    const slot: Slot = { ack: undefined, ready: false };
    this.#slots.push(slot);
    return (ack) => {
      if (slot.ready) return;
      slot.ack = ack;
      slot.ready = true;
      this.#release();
    };
  }

  /** Forgets every pending slot (the connection is gone: those messages will be sent again). */
  clear(): void {
    for (const slot of this.#slots.toArray()) slot.ready = true;
    this.#slots.clear();
  }

  #release(): void {
    for (let slot = this.#slots.peekFront(); slot?.ready; slot = this.#slots.peekFront()) {
      this.#slots.shift();
      slot.ack?.();
    }
  }
}
