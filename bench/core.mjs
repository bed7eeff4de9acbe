// Benchmark of the pure core on one core: the window engine (4 rooms x 2 sensors and 10k keys,
// tumbling 60 s windows) and the light-without-presence detector. Readings are produced in the
// loop from a small pool, so heap reflects the engine's state, not the input.
// Prints progress to stderr and, as its last stdout line, one JSON object.
import { LightPresenceDetector } from "../core/dist/light-presence.js";
import { WindowEngine } from "../core/dist/window-engine.js";

const N = Number(process.env.BENCH_READINGS ?? 10_000_000);
const START = Date.UTC(2026, 10, 27, 21, 0, 0);
let peakHeap = 0;
const heapAt = {};

function sampleHeap(label) {
  const h = process.memoryUsage().heapUsed;
  if (h > peakHeap) peakHeap = h;
  if (label) heapAt[label] = Math.round((h / 1048576) * 10) / 10;
}

function pool(rooms, sensors) {
  const out = [];
  for (let r = 0; r < rooms; r++)
    for (const s of sensors)
      out.push({ room: `room_${r}`, sensor_type: s, value: 0, device_id: `room_${r}_${s}_001` });
  return out;
}

function runWindows(label, readings, n, stepMs) {
  const engine = new WindowEngine({ windowMs: 60_000, watermarkDelayMs: 10_000, mode: "append" });
  const k = readings.length;
  let windows = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const r = readings[i % k];
    r.value = 18 + (i % 100) / 10;
    // Up to 5 s of disorder: inside the 10 s watermark delay, so nothing is late.
    const res = engine.add(r, START + Math.floor(i * stepMs) - ((i * 7919) % 5000));
    if (res.closed) windows += res.closed.length;
    if ((i & 0xfffff) === 0) sampleHeap();
  }
  windows += engine.flush().length;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  sampleHeap(`${label}_end`);
  const c = engine.counters;
  if (c.accepted !== n || c.late !== 0)
    throw new Error(`${label}: expected ${n} accepted, got ${JSON.stringify(c)}`);
  process.stderr.write(`${label}: ${n} readings in ${secs.toFixed(2)} s, ${windows} windows\n`);
  return n / secs;
}

function runDetector(n) {
  const detector = new LightPresenceDetector({ graceMs: 30_000, presenceMaxAgeMs: 600_000 });
  const rooms = ["living_room", "kitchen", "bedroom", "bathroom"];
  const readings = [];
  for (const room of rooms)
    for (const s of ["light", "presence"])
      readings.push({
        reading: { room, sensor_type: s, value: 0, timestamp: "", device_id: `${room}_${s}_001` },
        time: 0,
      });
  let events = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const tr = readings[i & 7];
    // Lights flip every ~100 s and presence every ~800 s of event time: long empty-room spells.
    tr.reading.value = tr.reading.sensor_type === "light" ? (i >> 10) & 1 : (i >> 13) & 1;
    tr.time = START + i * 100;
    events += detector.observe(tr).length;
    if ((i & 0xfffff) === 0) sampleHeap();
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  sampleHeap("detector_end");
  process.stderr.write(`detector: ${n} readings in ${secs.toFixed(2)} s, ${events} events\n`);
  return n / secs;
}

const small = pool(4, ["temperature", "humidity"]);
// Warm-up, so the JIT has settled before the timed runs.
runWindows("warmup", small, 1_000_000, 10);
const perS = runWindows("window_8_keys", small, N, 10);
sampleHeap("after_8_keys");
const perS10k = runWindows("window_10k_keys", pool(5000, ["temperature", "humidity"]), N, 1);
const detPerS = runDetector(N);

console.log(
  JSON.stringify({
    readings: N,
    window_readings_per_s: Math.round(perS),
    window_readings_per_s_10k_keys: Math.round(perS10k),
    detector_readings_per_s: Math.round(detPerS),
    peak_heap_mb: Math.round((peakHeap / 1048576) * 10) / 10,
    heap_mb_at: heapAt,
    node: process.version,
  }),
);
