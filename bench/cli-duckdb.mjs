// The job `homestream stats --window 60s --mode append` does, done by DuckDB through its official
// Node package: tumbling 60 s windows per room and sensor type (temperature, humidity) with
// avg/min/max/count over a JSONL log. Run as its own process by bench/cli.mjs, so its time
// includes start-up, loading the package and opening the instance, as a user's script would.
// Writes the windows as JSON to the file named by its second argument.
import { writeFileSync } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";

const [input, output] = process.argv.slice(2);
const instance = await DuckDBInstance.create(":memory:");
const connection = await instance.connect();
const path = input.replaceAll("'", "''");
const reader = await connection.runAndReadAll(`
  SELECT epoch_ms(time_bucket(INTERVAL 60 SECOND, timestamp)) AS window_start_ms,
         room, sensor_type, avg(value) AS avg_value, min(value) AS min_value,
         max(value) AS max_value, count(*) AS count
  FROM read_json('${path}', format = 'newline_delimited',
    columns = {room: 'VARCHAR', sensor_type: 'VARCHAR', value: 'DOUBLE', timestamp: 'TIMESTAMP',
               device_id: 'VARCHAR'})
  WHERE sensor_type IN ('temperature', 'humidity')
  GROUP BY ALL
  ORDER BY window_start_ms, room, sensor_type`);
const rows = reader.getRowObjectsJson();
connection.closeSync();
instance.closeSync();
writeFileSync(output, JSON.stringify(rows));
