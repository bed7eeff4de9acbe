// The `realistic` scenario: people move through the home on a daily routine, presence sensors
// follow them, lights follow people (and are sometimes left on), temperature and humidity drift.
// Every device reports periodically (with a fixed phase and a little jitter, as battery devices
// do); presence and light also report shortly after a change. One-minute routine steps and the
// device reports are merged in event-time order.
import { type ReadingEvent, readingEvent } from "../events.js";
import { ROOMS, type Room, roundToTenth, SENSOR_TYPES, type SensorType } from "../home.js";
import { createRng, deriveSeed } from "../rng.js";
import { humidityTarget, RoomClimate, temperatureTarget } from "./climate.js";
import { Lights } from "./lights.js";
import { Occupancy } from "./occupancy.js";
import { isDark, localHour, routineAt } from "./routine.js";

export interface RealisticScenarioOptions {
  seed: number;
  start: number;
  people: number;
  reportEveryMs: number;
  lightLeftOnChance: number;
  timeZone: string;
}

/** Length of one routine step. */
export const STEP_MS = 60_000;

interface Device {
  room: Room;
  sensorType: SensorType;
  /** Offset of this device's report grid from the start, so devices do not all report at once. */
  phase: number;
  /** Index of the next periodic report on the grid. */
  k: number;
  nextPeriodic: number;
  /** Report time after a state change, if one is pending. */
  nextChange: number | undefined;
}

export function* realisticScenario(options: RealisticScenarioOptions): Generator<ReadingEvent, never> {
  // One stream per concern, so changing e.g. the report interval leaves the occupancy unchanged.
  const occupancyRng = createRng(deriveSeed(options.seed, 1));
  const lightRng = createRng(deriveSeed(options.seed, 2));
  const climateRng = createRng(deriveSeed(options.seed, 3));
  const reportRng = createRng(deriveSeed(options.seed, 4));

  const hourAt = (t: number) => localHour(t, options.timeZone);
  const occupancy = new Occupancy(options.people, routineAt(hourAt(options.start)), occupancyRng);
  const lights = new Lights(options.lightLeftOnChance, lightRng);
  let counts = occupancy.counts();
  lights.update(new Map(), counts, contextAt(hourAt(options.start)));
  const climate = new Map(ROOMS.map((r) => [r, new RoomClimate(r, options.start, climateRng)]));

  const every = options.reportEveryMs;
  const jitterMax = Math.min(1000, Math.floor(every / 10));
  const devices: Device[] = [];
  for (const room of ROOMS) {
    for (const sensorType of SENSOR_TYPES) {
      const phase = reportRng.int(every);
      devices.push({
        room,
        sensorType,
        phase,
        k: 0,
        nextPeriodic: options.start + phase,
        nextChange: undefined,
      });
    }
  }

  const measure = (d: Device, time: number): number => {
    const occupants = counts.get(d.room) ?? 0;
    switch (d.sensorType) {
      case "presence":
        return occupants > 0 ? 1 : 0;
      case "light":
        return lights.isOn(d.room) ? 1 : 0;
      case "temperature":
      case "humidity": {
        const c = climate.get(d.room) as RoomClimate;
        const ctx = { occupants, night: routineAt(hourAt(time)).name === "night" };
        const v =
          d.sensorType === "temperature"
            ? c.temperature.advance(time, temperatureTarget(d.room, ctx), climateRng)
            : c.humidity.advance(time, humidityTarget(d.room, ctx), climateRng);
        return roundToTenth(v);
      }
    }
  };

  let nextStep = options.start + STEP_MS;
  for (;;) {
    let due: Device | undefined;
    let dueAt = Number.POSITIVE_INFINITY;
    for (const d of devices) {
      const t = Math.min(d.nextPeriodic, d.nextChange ?? Number.POSITIVE_INFINITY);
      if (t < dueAt) {
        due = d;
        dueAt = t;
      }
    }
    if (due === undefined || nextStep <= dueAt) {
      const hour = hourAt(nextStep);
      const before = counts;
      occupancy.step(routineAt(hour));
      counts = occupancy.counts();
      const litBefore = ROOMS.map((r) => lights.isOn(r));
      lights.update(before, counts, contextAt(hour));
      for (const d of devices) {
        const changed =
          d.sensorType === "presence"
            ? (before.get(d.room) ?? 0) > 0 !== (counts.get(d.room) ?? 0) > 0
            : d.sensorType === "light" && litBefore[ROOMS.indexOf(d.room)] !== lights.isOn(d.room);
        // A change is radioed within a couple of seconds.
        if (changed) d.nextChange = nextStep + 200 + reportRng.int(1800);
      }
      nextStep += STEP_MS;
      continue;
    }

    const time = dueAt;
    if (due.nextChange !== undefined && due.nextChange <= due.nextPeriodic) due.nextChange = undefined;
    else {
      // Jitter around a fixed grid rather than accumulated, so the report rate never drifts.
      due.k++;
      due.nextPeriodic =
        options.start + due.phase + due.k * every - jitterMax + reportRng.int(2 * jitterMax + 1);
    }
    yield readingEvent(due.room, due.sensorType, measure(due, time), time);
  }
}

function contextAt(hour: number) {
  return { dark: isDark(hour), sleeping: routineAt(hour).name === "night" };
}
