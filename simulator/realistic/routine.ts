// The household's daily routine: for each hour of the local clock, how likely someone is to move
// in a one-minute step and where they tend to go. Night keeps people in the bedroom, mornings
// send them through the bathroom and kitchen, working hours empty the house, evenings gather
// them in the living room and kitchen.
import { zoneOffsetMs } from "@homestream/core/time";
import type { Room } from "../home.js";

export type Place = Room | "away";
export const PLACES: readonly Place[] = ["living_room", "kitchen", "bedroom", "bathroom", "away"];

export interface RoutinePeriod {
  name: "night" | "morning" | "day" | "evening";
  /** Chance that a person moves (or reconsiders where to be) in one step. */
  moveChance: number;
  /** Relative preference for each place, in PLACES order. */
  weights: readonly number[];
}

const NIGHT: RoutinePeriod = { name: "night", moveChance: 0.02, weights: [0.2, 0.2, 10, 1, 0] };
const MORNING: RoutinePeriod = { name: "morning", moveChance: 0.15, weights: [2, 4, 2, 3, 1] };
const DAY: RoutinePeriod = { name: "day", moveChance: 0.05, weights: [3, 1, 0.5, 0.5, 6] };
const EVENING: RoutinePeriod = { name: "evening", moveChance: 0.12, weights: [5, 3, 1, 1, 0.5] };

export function routineAt(hour: number): RoutinePeriod {
  if (hour >= 23 || hour < 6) return NIGHT;
  if (hour < 9) return MORNING;
  if (hour < 17) return DAY;
  return EVENING;
}

/** Hour of day (0–23) of `time` on the clock of `timeZone`. */
export function localHour(time: number, timeZone: string): number {
  const local = time + zoneOffsetMs(time, timeZone);
  return Math.floor((((local % 86_400_000) + 86_400_000) % 86_400_000) / 3_600_000);
}

/** Whether rooms need artificial light at this hour (no seasons: dark before 8 and from 18). */
export function isDark(hour: number): boolean {
  return hour < 8 || hour >= 18;
}
