import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DeadlineHeap, isDue, type Scheduled } from "../../core/deadline-heap.js";

const entry = (order: number): Scheduled => ({ dueTime: 0, duePhase: 0, order, heapIndex: -1 });

describe("DeadlineHeap", () => {
  it("fires phase-0 deadlines at their time and phase-1 deadlines only once the clock passes it", () => {
    const s = { ...entry(0), dueTime: 10 };
    expect(isDue(s, 9)).toBe(false);
    expect(isDue(s, 10)).toBe(true);
    s.duePhase = 1;
    expect(isDue(s, 10)).toBe(false);
    expect(isDue(s, 10.5)).toBe(true);
  });

  it("always peeks the (time, phase, order)-least scheduled entry, through schedules, moves and cancels", () => {
    const op = fc.record({
      who: fc.integer({ min: 0, max: 7 }),
      cancel: fc.boolean(),
      time: fc.integer({ min: 0, max: 20 }),
      phase: fc.constantFrom<0 | 1>(0, 1),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const heap = new DeadlineHeap<Scheduled>();
        const all = Array.from({ length: 8 }, (_, i) => entry(i));
        const scheduled = new Set<Scheduled>();
        for (const { who, cancel, time, phase } of ops) {
          const s = all[who] as Scheduled;
          if (cancel) {
            heap.cancel(s);
            scheduled.delete(s);
          } else {
            s.dueTime = time;
            s.duePhase = phase;
            heap.schedule(s);
            scheduled.add(s);
          }
          const least = [...scheduled].sort(
            (a, b) => a.dueTime - b.dueTime || a.duePhase - b.duePhase || a.order - b.order,
          )[0];
          expect(heap.peek()).toBe(least);
          expect(heap.size).toBe(scheduled.size);
          for (const x of all) expect(x.heapIndex >= 0).toBe(scheduled.has(x));
        }
      }),
      { numRuns: 300 },
    );
  });
});
