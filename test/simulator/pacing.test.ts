import { describe, expect, it } from "vitest";
import { PaceSchedule } from "../../simulator/pacing.js";

const dues = (schedule: PaceSchedule, times: number[]) => times.map((t) => schedule.next(t));

describe("PaceSchedule", () => {
  it("asap: everything is due at once", () => {
    expect(dues(new PaceSchedule({ kind: "asap" }), [5, 1000, 3])).toEqual([0, 0, 0]);
  });

  it("rate: a fixed wall-clock rate whatever the event times", () => {
    expect(dues(new PaceSchedule({ kind: "rate", perSecond: 4 }), [0, 0, 10_000, 5])).toEqual([
      0, 250, 500, 750,
    ]);
  });

  it("speed: event-time gaps divided by the speed; a late event is due at once", () => {
    const s = new PaceSchedule({ kind: "speed", factor: 2 });
    expect(dues(s, [10_000, 12_000, 11_000, 16_000])).toEqual([0, 1000, 1000, 3000]);
    expect(dues(new PaceSchedule({ kind: "speed", factor: 1 }), [0, 1500])).toEqual([0, 1500]);
  });
});
