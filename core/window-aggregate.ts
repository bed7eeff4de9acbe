// The running aggregate of one (window, group): count, sum, mean, min, max and the sample standard
// deviation, updated one value at a time and mergeable, so partial aggregates (sliding-window
// panes, restored state, parallel partitions) combine into the aggregate of all their values.
//
// - Sum: Neumaier's compensated summation, so the average does not depend on arrival order
//   beyond rounding.
// - Variance: Welford's running mean and sum of squared deviations (M2), which does not lose the
//   variance to cancellation the way sum-of-squares minus square-of-sum does when the mean is
//   large against the spread (B. P. Welford, Technometrics 4(3), 1962). Two aggregates merge by
//   Chan, Golub and LeVeque's pairwise formula (Chan et al., "Updating formulae and a pairwise
//   algorithm for computing sample variances", 1979).
// - Standard deviation is the SAMPLE one (divides by n - 1), as Spark SQL's `stddev` /
//   `stddev_samp`, and is null for fewer than two values (Spark returns null there too).

/** The statistics of one aggregate, as a window result carries them. */
export interface WindowStats {
  avg_value: number;
  min_value: number;
  max_value: number;
  count: number;
  sum_value: number;
  /** Sample standard deviation; null below two values (or if it overflows a double). */
  stddev_value: number | null;
}

/** The statistics columns of a window result, in output order (after the window and its group). */
export const STATS_COLUMNS = [
  "avg_value",
  "min_value",
  "max_value",
  "count",
  "sum_value",
  "stddev_value",
] as const satisfies readonly (keyof WindowStats)[];

export class WindowAggregate {
  count = 0;
  sum = 0;
  /** Neumaier compensation term of `sum`. */
  compensation = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  /** Welford running mean. */
  mean = 0;
  /** Welford sum of squared deviations from the mean. */
  m2 = 0;

  add(v: number): void {
    const n = ++this.count;
    const s = this.sum;
    const t = s + v;
    this.compensation += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    this.sum = t;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    const delta = v - this.mean;
    this.mean += delta / n;
    this.m2 += delta * (v - this.mean);
  }

  /** Adds every value `other` holds (Chan's pairwise update); `other` is left unchanged. */
  merge(other: WindowAggregate): void {
    const nb = other.count;
    if (nb === 0) return;
    const na = this.count;
    if (na === 0) {
      this.copyFrom(other);
      return;
    }
    const n = na + nb;
    const delta = other.mean - this.mean;
    // Weighted by the shares, so neither side's count multiplies a large delta first.
    this.mean += delta * (nb / n);
    this.m2 += other.m2 + delta * delta * ((na / n) * nb);
    this.count = n;
    // Two compensated sums add as their leading parts plus both compensations.
    const s = this.sum;
    const v = other.sum;
    const t = s + v;
    this.compensation += (Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s) + other.compensation;
    this.sum = t;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /** Sum of the values, compensation included. */
  get total(): number {
    return this.sum + this.compensation;
  }

  get average(): number {
    return (this.sum + this.compensation) / this.count;
  }

  /** Sample standard deviation (n - 1), null with fewer than two values. */
  get stddev(): number | null {
    if (this.count < 2) return null;
    // M2 can come out a hair below zero only through rounding of equal values.
    const sd = Math.sqrt(Math.max(0, this.m2) / (this.count - 1));
    return Number.isFinite(sd) ? sd : null;
  }

  /** The statistics in window-result columns, in output order. */
  stats(): WindowStats {
    return {
      avg_value: this.average,
      min_value: this.min,
      max_value: this.max,
      count: this.count,
      sum_value: this.total,
      stddev_value: this.stddev,
    };
  }

  private copyFrom(o: WindowAggregate): void {
    this.count = o.count;
    this.sum = o.sum;
    this.compensation = o.compensation;
    this.min = o.min;
    this.max = o.max;
    this.mean = o.mean;
    this.m2 = o.m2;
  }
}
