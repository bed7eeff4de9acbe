// A seeded pseudo-random source. sfc32 (Chris Doty-Humphrey's Small Fast Counter, as used in
// PractRand) passes PractRand's battery with 128 bits of state and needs only 32-bit integer
// arithmetic. A splitmix-style seeder (a golden-ratio counter through MurmurHash3's fmix32
// finaliser) spreads a small integer seed over that state. Nothing here reads
// Math.random or a clock, so a seed fixes every draw.

export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element, each with equal probability. */
  pick<T>(items: readonly T[]): T;
  /** One element, each with probability proportional to its weight. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T;
  /** Standard normal N(0, 1) (Box–Muller). */
  normal(): number;
}

/** One seeder step: a well-mixed 32-bit output per call, used only to seed sfc32. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A seed for an independent sub-stream (faults, occupancy…) so adding one never shifts another. */
export function deriveSeed(seed: number, stream: number): number {
  const state = { s: (seed ^ Math.imul(stream + 1, 0x27d4eb2f)) | 0 };
  return splitmix32(state);
}

export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 4294967295], got ${seed}`);
  }
  const init = { s: seed | 0 };
  let a = splitmix32(init);
  let b = splitmix32(init);
  let c = splitmix32(init);
  let d = splitmix32(init);

  const uint32 = (): number => {
    // sfc32, as published with PractRand.
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // The first outputs of a freshly seeded sfc32 are discarded, as its author recommends.
  for (let i = 0; i < 12; i++) uint32();

  const next = (): number => uint32() / 4294967296;
  let spareNormal: number | undefined;

  return {
    next,
    int: (n) => Math.floor(next() * n),
    uniform: (min, max) => min + (max - min) * next(),
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError("pick from an empty list");
      return items[Math.floor(next() * items.length)] as T;
    },
    weighted<T>(items: readonly T[], weights: readonly number[]): T {
      let total = 0;
      for (const w of weights) total += w;
      let r = next() * total;
      for (let i = 0; i < items.length; i++) {
        r -= weights[i] ?? 0;
        if (r < 0) return items[i] as T;
      }
      // Rounding can leave r at 0 after the last weight: the last item with weight wins.
      for (let i = items.length - 1; i >= 0; i--) if ((weights[i] ?? 0) > 0) return items[i] as T;
      throw new RangeError("weighted pick needs at least one positive weight");
    },
    normal() {
      if (spareNormal !== undefined) {
        const z = spareNormal;
        spareNormal = undefined;
        return z;
      }
      // 1 - next() is in (0, 1], so the log is finite.
      const r = Math.sqrt(-2 * Math.log(1 - next()));
      const theta = 2 * Math.PI * next();
      spareNormal = r * Math.sin(theta);
      return r * Math.cos(theta);
    },
  };
}
