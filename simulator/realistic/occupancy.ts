// Where each person is. Every step each person may move, to a place drawn from the routine of
// the current hour; staying put is one of the outcomes, so stays last a geometric number of
// steps (minutes to hours), which is what gives occupancy its episodes.
import { ROOMS, type Room } from "../home.js";
import type { Rng } from "../rng.js";
import { PLACES, type Place, type RoutinePeriod } from "./routine.js";

export class Occupancy {
  private readonly places: Place[];

  constructor(
    people: number,
    routine: RoutinePeriod,
    private readonly rng: Rng,
  ) {
    this.places = Array.from({ length: people }, () => rng.weighted(PLACES, routine.weights));
  }

  /** One step of the routine: each person moves with the period's chance. */
  step(routine: RoutinePeriod): void {
    for (let i = 0; i < this.places.length; i++) {
      if (this.rng.chance(routine.moveChance)) this.places[i] = this.rng.weighted(PLACES, routine.weights);
    }
  }

  /** Number of people in each room. */
  counts(): Map<Room, number> {
    const counts = new Map<Room, number>(ROOMS.map((r) => [r, 0]));
    for (const p of this.places) if (p !== "away") counts.set(p, (counts.get(p) ?? 0) + 1);
    return counts;
  }
}
