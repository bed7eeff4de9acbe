// An indexed binary min-heap of deadlines, one entry per owner at most. The light-presence
// detector keeps one entry per room whose condition holds, so a reading from any room can find
// every room whose grace period, reminder or presence validity ran out in O(1) (peek) and
// fire each in O(log rooms), without scanning the rooms.

/** Something with at most one deadline in the heap. The heap owns `heapIndex`. */
export interface Scheduled {
  /** Event time of the next deadline. */
  dueTime: number;
  /**
   * 0 = fires when the clock reaches `dueTime`; 1 = fires once the clock passes it (a presence
   * reading is still valid at exactly its age limit). Orders deadlines with equal `dueTime`.
   */
  duePhase: 0 | 1;
  /** Tie-break between owners: a stable number such as first-seen order. */
  order: number;
  /** Position in the heap array, -1 when not scheduled. */
  heapIndex: number;
}

function before(a: Scheduled, b: Scheduled): boolean {
  if (a.dueTime !== b.dueTime) return a.dueTime < b.dueTime;
  if (a.duePhase !== b.duePhase) return a.duePhase < b.duePhase;
  return a.order < b.order;
}

/** True when `s` fires at a clock of `now`. */
export function isDue(s: Scheduled, now: number): boolean {
  return s.duePhase === 0 ? s.dueTime <= now : s.dueTime < now;
}

export class DeadlineHeap<T extends Scheduled> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** The earliest deadline, if any. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Inserts `s`, or moves it after its `dueTime`/`duePhase` changed. */
  schedule(s: T): void {
    if (s.heapIndex < 0) {
      s.heapIndex = this.items.length;
      this.items.push(s);
      this.siftUp(s.heapIndex);
    } else {
      this.siftUp(s.heapIndex);
      this.siftDown(s.heapIndex);
    }
  }

  /** Removes `s` if it is scheduled. */
  cancel(s: T): void {
    const i = s.heapIndex;
    if (i < 0) return;
    s.heapIndex = -1;
    const last = this.items.pop() as T;
    if (i === this.items.length) return;
    this.items[i] = last;
    last.heapIndex = i;
    this.siftUp(i);
    this.siftDown(last.heapIndex);
  }

  private siftUp(start: number): void {
    const items = this.items;
    const s = items[start] as T;
    let i = start;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = items[parentIndex] as T;
      if (!before(s, parent)) break;
      items[i] = parent;
      parent.heapIndex = i;
      i = parentIndex;
    }
    items[i] = s;
    s.heapIndex = i;
  }

  private siftDown(start: number): void {
    const items = this.items;
    const n = items.length;
    const s = items[start] as T;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && before(items[right] as T, items[left] as T)) child = right;
      const c = items[child] as T;
      if (!before(c, s)) break;
      items[i] = c;
      c.heapIndex = i;
      i = child;
    }
    items[i] = s;
    s.heapIndex = i;
  }
}
