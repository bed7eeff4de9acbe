// A bounded FIFO for records waiting to be sent. An array with a moving head: push and shift are O(1)
// amortised, and taking a batch from the front does not copy the rest.

export class RecordBuffer<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.#items.length - this.#head;
  }

  get full(): boolean {
    return this.length >= this.capacity;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  peek(): T | undefined {
    return this.#items[this.#head];
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head++;
    this.#compact();
    return item;
  }

  /** Removes and returns up to `max` items from the front, stopping before `size` would exceed `maxSize`
   *  (the first item is always taken, so an oversized one cannot block the queue). */
  take(max: number, size: (item: T) => number, maxSize: number): T[] {
    const out: T[] = [];
    let total = 0;
    while (out.length < max && this.length > 0) {
      const item = this.#items[this.#head] as T;
      const s = size(item);
      if (out.length > 0 && total + s > maxSize) break;
      total += s;
      out.push(item);
      this.#items[this.#head] = undefined;
      this.#head++;
    }
    this.#compact();
    return out;
  }

  /** Removes and returns everything. */
  drain(): T[] {
    const out = this.#items.slice(this.#head) as T[];
    this.#items = [];
    this.#head = 0;
    return out;
  }

  #compact(): void {
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
