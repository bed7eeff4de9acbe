// Acknowledgements released in the order the PUBLISH packets arrived, whatever order Kafka confirms
// them in: "it MUST send PUBACK packets in the order in which the corresponding PUBLISH packets were
// received" [MQTT-4.6.0-2]. One instance per MQTT connection.

interface Slot {
  ack: (() => void) | undefined;
  ready: boolean;
}

export class OrderedAcks {
  #slots: Slot[] = [];
  #head = 0;

  /** Slots reserved and not yet released. */
  get pending(): number {
    return this.#slots.length - this.#head;
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
    for (let i = this.#head; i < this.#slots.length; i++) (this.#slots[i] as Slot).ready = true;
    this.#slots = [];
    this.#head = 0;
  }

  #release(): void {
    while (this.#head < this.#slots.length) {
      const slot = this.#slots[this.#head] as Slot;
      if (!slot.ready) break;
      this.#slots[this.#head] = undefined as unknown as Slot;
      this.#head++;
      slot.ack?.();
    }
    if (this.#head === this.#slots.length) {
      this.#slots = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#slots.length) {
      this.#slots = this.#slots.slice(this.#head);
      this.#head = 0;
    }
  }
}
