// Light switching by the people in a room. Entering a dark room usually switches its light on;
// the last person leaving usually switches it off, but with `leftOnChance` forgets: the light
// stays on in an empty room until someone comes back, the anomaly the pipeline exists to catch.
import { ROOMS, type Room } from "../home.js";
import type { Rng } from "../rng.js";

export interface LightContext {
  dark: boolean;
  /** Night hours: people in the bedroom are asleep. */
  sleeping: boolean;
}

export class Lights {
  private readonly on = new Map<Room, boolean>(ROOMS.map((r) => [r, false]));

  constructor(
    private readonly leftOnChance: number,
    private readonly rng: Rng,
  ) {}

  isOn(room: Room): boolean {
    return this.on.get(room) ?? false;
  }

  /** Applies the people's switching after occupancy changed from `before` to `after`. */
  update(before: ReadonlyMap<Room, number>, after: ReadonlyMap<Room, number>, ctx: LightContext): void {
    for (const room of ROOMS) {
      const was = (before.get(room) ?? 0) > 0;
      const is = (after.get(room) ?? 0) > 0;
      const lit = this.isOn(room);
      const asleep = ctx.sleeping && room === "bedroom";
      if (!was && is) {
        // Entering: switch on if it is dark (mostly), or now and then in daylight.
        if (!lit && this.rng.chance(asleep ? 0.3 : ctx.dark ? 0.9 : 0.2)) this.on.set(room, true);
      } else if (was && !is) {
        if (lit && !this.rng.chance(this.leftOnChance)) this.on.set(room, false);
      } else if (is) {
        // Staying: sleepers switch off, people in a room that grew dark switch on.
        if (lit && asleep && this.rng.chance(0.3)) this.on.set(room, false);
        else if (!lit && ctx.dark && !asleep && this.rng.chance(0.2)) this.on.set(room, true);
      }
    }
  }
}
