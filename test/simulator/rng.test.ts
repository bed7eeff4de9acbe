import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRng, deriveSeed } from "../../simulator/rng.js";
import { chiSquareUniform } from "./helpers.js";

const draws = (seed: number, n: number) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.next());
};

describe("createRng", () => {
  it("repeats the same sequence for the same seed and differs for another", () => {
    expect(draws(42, 100)).toEqual(draws(42, 100));
    expect(draws(42, 100)).not.toEqual(draws(43, 100));
  });

  it("rejects seeds that are not 32-bit unsigned integers", () => {
    expect(() => createRng(-1)).toThrow(/seed/);
    expect(() => createRng(2 ** 32)).toThrow(/seed/);
    expect(() => createRng(1.5)).toThrow(/seed/);
  });

  it("stays in [0, 1) and its integers in [0, n)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 1000 }), (seed, n) => {
        const rng = createRng(seed);
        for (let i = 0; i < 50; i++) {
          const x = rng.next();
          const k = rng.int(n);
          if (!(x >= 0 && x < 1) || !Number.isInteger(k) || k < 0 || k >= n) return false;
        }
        return true;
      }),
    );
  });

  it("draws integers uniformly (chi-square, 9 degrees of freedom, p = 0.001)", () => {
    for (const seed of [1, 2, 3]) {
      const rng = createRng(seed);
      const counts = new Array<number>(10).fill(0);
      for (let i = 0; i < 20_000; i++) {
        const k = rng.int(10);
        counts[k] = (counts[k] ?? 0) + 1;
      }
      expect(chiSquareUniform(counts)).toBeLessThan(27.88);
    }
  });

  it("draws normals with mean 0 and variance 1", () => {
    const rng = createRng(7);
    const xs = Array.from({ length: 20_000 }, () => rng.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it("picks by weight and never picks a zero weight", () => {
    const rng = createRng(9);
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 10_000; i++) counts[rng.weighted(["a", "b", "c"] as const, [1, 3, 0])]++;
    expect(counts.c).toBe(0);
    expect(counts.b / counts.a).toBeGreaterThan(2.6);
    expect(counts.b / counts.a).toBeLessThan(3.4);
  });

  it("derives distinct sub-stream seeds", () => {
    const seeds = new Set([1, 2, 3, 4, 100, 101].map((s) => deriveSeed(42, s)));
    expect(seeds.size).toBe(6);
    expect(deriveSeed(42, 1)).toBe(deriveSeed(42, 1));
  });
});
