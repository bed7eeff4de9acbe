// A CSV log row (the original's sample_events.csv columns, by header name) as the JSON reading
// would carry it, so the one reading schema judges both: numeric `value` cells and integer
// `timestamp` cells (epoch ms) become numbers; empty cells are absent ("is required").

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^-?\d+$/;

export function csvRecordToReading(record: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(record)) {
    const cell = raw.trim();
    if (cell === "") continue;
    if (key === "value" && NUMBER.test(cell)) out[key] = Number(cell);
    else if (key === "timestamp" && INTEGER.test(cell)) out[key] = Number(cell);
    else out[key] = cell;
  }
  return out;
}
