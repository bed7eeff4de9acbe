// The `random` scenario: the original Python producer's distribution, reading for reading. Each
// reading picks a room and a sensor type uniformly; temperature is U(18, 28) °C and humidity
// U(30, 70) %, rounded to one decimal; presence and light are 0 or 1 with equal probability.
// Event times advance by 1000 / rate ms, as a producer sleeping between sends would stamp them.
import { type ReadingEvent, readingEvent } from "./events.js";
import { ROOMS, roundToTenth, SENSOR_TYPES } from "./home.js";
import type { Rng } from "./rng.js";
import { createRng } from "./rng.js";

export interface RandomScenarioOptions {
  seed: number;
  /** Event time of the first reading, epoch ms. */
  start: number;
  /** Readings per second of event time. */
  rate: number;
}

export function randomValue(rng: Rng, sensorType: string): number {
  switch (sensorType) {
    case "temperature":
      return roundToTenth(rng.uniform(18, 28));
    case "humidity":
      return roundToTenth(rng.uniform(30, 70));
    default:
      return rng.int(2);
  }
}

export function* randomScenario(options: RandomScenarioOptions): Generator<ReadingEvent, never> {
  const rng = createRng(options.seed);
  const step = 1000 / options.rate;
  for (let i = 0; ; i++) {
    // Computed from the index, not accumulated, so fractional steps never drift.
    const time = options.start + Math.round(i * step);
    const room = rng.pick(ROOMS);
    const sensorType = rng.pick(SENSOR_TYPES);
    yield readingEvent(room, sensorType, randomValue(rng, sensorType), time);
  }
}
