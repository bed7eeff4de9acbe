// A benchmark figure over its runs or rounds: the median (the middle one; the lower middle for an
// even count), min and max, rounded to `digits` decimals.
export function spread(values, digits = 0) {
  const v = [...values].sort((a, b) => a - b);
  const r = (x) => Math.round(x * 10 ** digits) / 10 ** digits;
  return { median: r(v[Math.floor((v.length - 1) / 2)]), min: r(v[0]), max: r(v.at(-1)) };
}
