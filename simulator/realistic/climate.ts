// Indoor temperature and humidity as mean-reverting random walks (Ornstein–Uhlenbeck processes):
// each drifts smoothly toward a target set by the hour and by who is in the room (cooking warms
// the kitchen, a shower fills the bathroom with steam) and never leaves plausible bounds.
import type { Room } from "../home.js";
import type { Rng } from "../rng.js";

export interface MeanRevertingSpec {
  /** Time for the distance to the target to shrink by a factor e, ms. */
  relaxMs: number;
  /** Standard deviation of the fluctuation around the target. */
  spread: number;
  min: number;
  max: number;
}

export const TEMPERATURE: MeanRevertingSpec = { relaxMs: 30 * 60_000, spread: 0.3, min: 15, max: 30 };
export const HUMIDITY: MeanRevertingSpec = { relaxMs: 15 * 60_000, spread: 1.5, min: 25, max: 90 };

export class MeanReverting {
  private last: number;

  constructor(
    private readonly spec: MeanRevertingSpec,
    public value: number,
    time: number,
  ) {
    this.last = time;
  }

  /** Advances to `time` with the exact OU transition, so the step size never changes the law. */
  advance(time: number, target: number, rng: Rng): number {
    const dt = Math.max(0, time - this.last);
    this.last = Math.max(this.last, time);
    const decay = Math.exp(-dt / this.spec.relaxMs);
    const noise = this.spec.spread * Math.sqrt(1 - decay * decay) * rng.normal();
    const next = target + (this.value - target) * decay + noise;
    this.value = Math.min(this.spec.max, Math.max(this.spec.min, next));
    return this.value;
  }
}

export interface ClimateContext {
  occupants: number;
  /** Night hours, when the heating is set back. */
  night: boolean;
}

export function temperatureTarget(room: Room, ctx: ClimateContext): number {
  let t = ctx.night ? 19.5 : 21;
  if (ctx.occupants > 0) t += 0.5 + 0.2 * Math.min(ctx.occupants, 3);
  if (room === "kitchen" && ctx.occupants > 0) t += 1.5;
  if (room === "bathroom" && ctx.occupants > 0) t += 1;
  return t;
}

export function humidityTarget(room: Room, ctx: ClimateContext): number {
  if (room === "bathroom" && ctx.occupants > 0) return 75;
  if (room === "kitchen" && ctx.occupants > 0) return 55;
  return ctx.occupants > 0 ? 48 : 45;
}

export class RoomClimate {
  readonly temperature: MeanReverting;
  readonly humidity: MeanReverting;

  constructor(room: Room, time: number, rng: Rng) {
    const ctx = { occupants: 0, night: false };
    this.temperature = new MeanReverting(
      TEMPERATURE,
      temperatureTarget(room, ctx) + TEMPERATURE.spread * rng.normal(),
      time,
    );
    this.humidity = new MeanReverting(
      HUMIDITY,
      humidityTarget(room, ctx) + HUMIDITY.spread * rng.normal(),
      time,
    );
  }
}
