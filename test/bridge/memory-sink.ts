// A RecordSink in memory for suites that test the MQTT side without Kafka: records are "acknowledged"
// when the test says so (or at once), and the sink can be made to fail like an unreachable Kafka.
import type { OutRecord, RecordSink } from "../../bridge/record-sink.js";

export class MemorySink implements RecordSink {
  readonly acked: OutRecord[] = [];
  readonly pending: Array<{ record: OutRecord; ack: () => void; fail: (e: Error) => void }> = [];
  /** When false, send() waits for ackAll()/ackOne(). */
  autoAck = true;
  /** When set, send() rejects with it (Kafka unreachable). */
  failWith: Error | undefined;
  up = true;

  async start(): Promise<void> {}

  send(record: OutRecord, done: (err: Error | null) => void): void {
    // Settled on a later microtask, as Kafka's answer would come later.
    if (this.failWith) {
      const err = this.failWith;
      queueMicrotask(() => done(err));
      return;
    }
    if (this.autoAck) {
      this.acked.push(record);
      queueMicrotask(() => done(null));
      return;
    }
    this.pending.push({
      record,
      ack: () => {
        this.acked.push(record);
        done(null);
      },
      fail: (err) => done(err),
    });
  }

  /** Acknowledges pending records in the order given by `pick` (default: as sent). */
  ackAll(order: (n: number) => number[] = (n) => [...Array(n).keys()]): void {
    const batch = this.pending.splice(0);
    for (const i of order(batch.length)) batch[i]?.ack();
  }

  /** Acknowledges the pending records `match` picks, leaving the others pending; returns how many. */
  ackWhere(match: (record: OutRecord) => boolean): number {
    const picked = this.pending.filter((p) => match(p.record));
    for (const p of picked) this.pending.splice(this.pending.indexOf(p), 1);
    for (const p of picked) p.ack();
    return picked.length;
  }

  reachable(): boolean {
    return this.up;
  }

  async close(): Promise<void> {}

  values(): unknown[] {
    return this.acked.map((r) => JSON.parse(String(r.value)));
  }
}
