// A bounded FIFO for records waiting to be sent (denque: O(1) push and shift); taking a batch from
// the front does not copy the rest.
import Denque from "denque";

export class RecordBuffer<T> {
  readonly #items = new Denque<T>();

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.#items.length;
  }

  get full(): boolean {
    return this.length >= this.capacity;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  peek(): T | undefined {
    return this.#items.peekFront();
  }

  shift(): T | undefined {
    return this.#items.shift();
  }

  /** Removes and returns up to `max` items from the front, stopping before `size` would exceed `maxSize`
   *  (the first item is always taken, so an oversized one cannot block the queue). */
  take(max: number, size: (item: T) => number, maxSize: number): T[] {
    const out: T[] = [];
    let total = 0;
    while (out.length < max && this.#items.length > 0) {
      const item = this.#items.peekFront() as T;
      const s = size(item);
      if (out.length > 0 && total + s > maxSize) break;
      total += s;
      out.push(item);
      this.#items.shift();
    }
    return out;
  }

  /** Removes and returns everything. */
  drain(): T[] {
    const out = this.#items.toArray();
    this.#items.clear();
    return out;
  }
}
