// The simulated home's vocabulary: the original producer's four rooms and four sensor types,
// and its device naming (`<room>_<sensor>_001`).
import { CORE_SENSOR_TYPES } from "@homestream/core/reading";

export const ROOMS = ["living_room", "kitchen", "bedroom", "bathroom"] as const;
export type Room = (typeof ROOMS)[number];

export const SENSOR_TYPES = CORE_SENSOR_TYPES;
export type SensorType = (typeof SENSOR_TYPES)[number];

export function deviceId(room: string, sensorType: string): string {
  return `${room}_${sensorType}_001`;
}

/** Rounds to one decimal, the resolution the original producer reported (`round(x, 1)`). */
export function roundToTenth(x: number): number {
  return Math.round(x * 10) / 10;
}
