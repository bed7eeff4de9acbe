"""HomeStream's analysis as a Spark Structured Streaming job over the `home_sensors` topic.

Three streaming queries over the same Kafka source, each with its own checkpoint:
- dead letters: records that fail core/reading.ts's rules (reading.py), with the same reasons;
- windows: avg/min/max/count/sum/stddev per window and group, as windowed-stats and `homestream stats`;
- anomalies: light on with nobody present, as light-presence and `homestream detect`.

Arrival order. The nodes check each reading against the watermark as it was just before that
reading (window-engine.ts: "Spark with one reading per micro-batch"), and the detector's clock is
the largest event time seen so far. Spark alone would decide both per micro-batch, so results would
depend on how records fall into batches. Each analysis therefore starts with `arrival_clock`: one
stateful step that gives every reading the largest event time of the readings before it, in arrival
order (Kafka timestamp, then partition, then offset; offset order within one partition). After it,
the work is Spark's own: window() with withWatermark and a streaming aggregation, and the detector
per room with applyInPandasWithState and event-time timeouts.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming.state import GroupStateTimeout
from pyspark.sql.types import (
    BooleanType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
)

from homestream_spark.detector import RoomDetector, RoomState
from homestream_spark.reading import parse_record, to_iso

ISO_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
GROUP_COLUMNS = ("room", "sensor_type", "device_id")
ORDER = ["kafka_ts", "partition", "offset"]

PARSED = StructType(
    [
        StructField("ok", BooleanType()),
        StructField("room", StringType()),
        StructField("sensor_type", StringType()),
        StructField("value", DoubleType()),
        StructField("timestamp", StringType()),
        StructField("device_id", StringType()),
        StructField("time_ms", LongType()),
        StructField("reason", StringType()),
    ]
)


def duration_ms(text: str) -> int:
    """`homestream`'s durations: 500ms, 10s, 5m, 1h, 1d, or a bare number of milliseconds."""
    units = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
    t = text.strip().lower()
    for unit in ("ms", "s", "m", "h", "d"):
        if t.endswith(unit) and t[: -len(unit)].replace(".", "", 1).isdigit():
            return round(float(t[: -len(unit)]) * units[unit])
    if t.isdigit():
        return int(t)
    raise argparse.ArgumentTypeError(f'"{text}" is not a duration (e.g. 500ms, 10s, 5m, 1h)')


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="homestream-spark",
        description="HomeStream's window statistics, anomalies and dead letters as a Spark job.",
    )
    k = p.add_argument_group("Kafka")
    k.add_argument("--brokers", default="127.0.0.1:9092", help="bootstrap servers, comma-separated")
    k.add_argument("--topic", default="home_sensors")
    k.add_argument("--starting-offsets", default="earliest", help="earliest, latest or Spark's JSON form")
    k.add_argument("--max-offsets-per-trigger", type=int, default=None)
    k.add_argument(
        "--kafka-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a Kafka client setting for every query (repeatable), e.g. security.protocol=SASL_SSL, "
        "sasl.mechanism=SCRAM-SHA-512, sasl.jaas.config=..., ssl.truststore.location=...",
    )
    w = p.add_argument_group("windows (as homestream stats)")
    w.add_argument("--window", type=duration_ms, default=duration_ms("60s"))
    w.add_argument("--slide", type=duration_ms, default=None)
    w.add_argument("--offset", type=duration_ms, default=0)
    w.add_argument("--watermark", type=duration_ms, default=0)
    w.add_argument("--sensors", default="temperature,humidity", help='comma-separated, or "all"')
    w.add_argument("--group-by", default="room,sensor_type", help='room, sensor_type, device_id or "none"')
    a = p.add_argument_group("anomalies (as homestream detect)")
    a.add_argument("--grace", type=duration_ms, default=0)
    a.add_argument("--presence-max-age", type=duration_ms, default=None)
    o = p.add_argument_group("output")
    o.add_argument("--output", default="data/spark", help="folder of the result files")
    o.add_argument("--checkpoint", default=None, help="checkpoint folder (default: OUTPUT/_checkpoints)")
    o.add_argument("--format", choices=["csv", "parquet", "json"], default="csv")
    o.add_argument("--dlq-topic", default=None, help='dead letters to this topic too ("" for none; default TOPIC.dlq)')
    o.add_argument("--windows-topic", default=None, help="window results to this Kafka topic too (JSON)")
    o.add_argument("--anomalies-topic", default=None, help="anomaly events to this Kafka topic too (JSON)")
    o.add_argument("--time-zone", default="UTC", help="IANA zone of timestamps without Z or offset")
    o.add_argument(
        "--trigger",
        default="available-now",
        help='"available-now" (process what is there, then stop) or an interval such as 10s',
    )
    o.add_argument("--log-level", default="WARN", help="Spark's log level (WARN, INFO, ...)")
    o.add_argument("--only", default="windows,anomalies,dead-letters", help="which analyses to run")
    args = p.parse_args(argv)
    slide = args.slide or args.window
    if slide > args.window:
        p.error(f"--slide must be at most --window ({args.window} ms), got {slide} ms")
    if abs(args.offset) >= slide:
        p.error("--offset must be shorter than the slide (or the window when not sliding)")
    cols = [c.strip() for c in args.group_by.split(",") if c.strip()]
    if cols == ["none"]:
        cols = []
    for c in cols:
        if c not in GROUP_COLUMNS:
            p.error(f'--group-by: unknown column "{c}" (use {", ".join(GROUP_COLUMNS)} or none)')
    args.group_columns = [c for c in GROUP_COLUMNS if c in cols]
    sensors = [s.strip() for s in args.sensors.split(",") if s.strip()]
    args.sensor_types = None if sensors == ["all"] else sensors
    if args.checkpoint is None:
        args.checkpoint = f"{args.output.rstrip('/')}/_checkpoints"
    if args.dlq_topic is None:
        args.dlq_topic = f"{args.topic}.dlq"
    return args


def kafka_options(args) -> dict:
    opts = {"kafka.bootstrap.servers": args.brokers}
    for kv in args.kafka_option:
        key, sep, value = kv.partition("=")
        if not sep:
            raise SystemExit(f'--kafka-option: "{kv}" is not KEY=VALUE')
        opts[f"kafka.{key}"] = value
    return opts


def source(spark: SparkSession, args) -> DataFrame:
    """The topic's records, each validated by the rules of core/reading.ts."""
    reader = spark.readStream.format("kafka").options(**kafka_options(args))
    reader = reader.option("subscribe", args.topic).option("startingOffsets", args.starting_offsets)
    reader = reader.option("failOnDataLoss", "true").option("includeHeaders", "true")
    if args.max_offsets_per_trigger:
        reader = reader.option("maxOffsetsPerTrigger", str(args.max_offsets_per_trigger))
    zone = args.time_zone

    @F.pandas_udf(PARSED)
    def validate(values: pd.Series) -> pd.DataFrame:
        rows = []
        for v in values:
            reading, t = parse_record(v, zone)
            if reading is None:
                rows.append((False, None, None, None, None, None, None, t))
            else:
                rows.append(
                    (True, reading["room"], reading["sensor_type"], float(reading["value"]),
                     reading["timestamp"], reading["device_id"], t, None)
                )
        return pd.DataFrame(rows, columns=PARSED.fieldNames())

    raw = reader.load()
    return raw.select(
        "topic", "partition", "offset", "value", "headers",
        (F.unix_millis(F.col("timestamp"))).alias("kafka_ts"),
        validate(F.col("value")).alias("r"),
    )


def readings(parsed: DataFrame) -> DataFrame:
    return parsed.filter("r.ok").select(
        *ORDER, "r.room", "r.sensor_type", "r.value", "r.timestamp", "r.device_id", "r.time_ms"
    )


def arrival_clock(df: DataFrame) -> DataFrame:
    """Adds `clock_before`: the largest event time among the readings that arrived before each one
    (null before any), kept across micro-batches and restarts in Spark's state store."""
    out_schema = StructType(df.schema.fields + [StructField("clock_before", LongType())])
    state_schema = StructType([StructField("max_time", LongType())])

    def tag(key, pdfs, state):
        pdf = pd.concat(list(pdfs), ignore_index=True).sort_values(ORDER, kind="stable")
        pdf = pdf.drop(columns=["_all"])
        prev = state.get[0] if state.exists else None
        times = pdf["time_ms"].to_numpy(dtype=np.int64)
        running = np.maximum.accumulate(times)
        if prev is not None:
            running = np.maximum(running, prev)
        before = np.empty(len(times), dtype=object)
        before[0] = prev
        before[1:] = running[:-1]
        pdf = pdf.assign(clock_before=pd.array(before, dtype="Int64"))
        state.update((int(running[-1]),))
        yield pdf

    # One group: arrival order is a property of the whole stream. The work per reading is a
    # running maximum over numpy arrays, so this single task is cheap next to the rest.
    return df.withColumn("_all", F.lit(0)).groupBy("_all").applyInPandasWithState(
        tag, out_schema, state_schema, "append", GroupStateTimeout.NoTimeout
    )


def windows(df: DataFrame, args) -> DataFrame:
    """Window results as core/window-engine.ts computes them (shared design, "Window results")."""
    if args.sensor_types is not None:
        df = df.filter(F.col("sensor_type").isin(args.sensor_types))
    tagged = arrival_clock(df)
    size, slide, delay = args.window, args.slide or args.window, args.watermark
    events = tagged.withColumn("event_time", F.timestamp_millis("time_ms")).withWatermark(
        "event_time", f"{delay} milliseconds"
    )
    w = F.window("event_time", f"{size} milliseconds", f"{slide} milliseconds", f"{args.offset} milliseconds")
    expanded = events.select(w.alias("w"), *args.group_columns, "value", "clock_before")
    # window-engine.ts: a reading is late for a window that ended at or before the watermark from
    # before it (Spark's `window.end <= watermark`), and is dropped from that window only.
    open_for_it = F.col("clock_before").isNull() | (
        F.unix_millis(F.col("w.end")) > F.col("clock_before") - F.lit(delay)
    )
    agg = expanded.filter(open_for_it).groupBy("w", *args.group_columns).agg(
        F.avg("value").alias("avg_value"),
        F.min("value").alias("min_value"),
        F.max("value").alias("max_value"),
        F.count("value").alias("count"),
        F.sum("value").alias("sum_value"),
        F.stddev_samp("value").alias("stddev_value"),
    )
    return agg.select(
        F.date_format("w.start", ISO_FORMAT).alias("window_start"),
        F.date_format("w.end", ISO_FORMAT).alias("window_end"),
        *args.group_columns,
        "avg_value", "min_value", "max_value", "count", "sum_value", "stddev_value",
    )


ANOMALY = StructType(
    [
        StructField("event", StringType()),
        StructField("room", StringType()),
        StructField("source", StringType()),
        StructField("since", StringType()),
        StructField("detected_at", StringType()),
        StructField("ended_at", StringType()),
        StructField("duration_s", DoubleType()),
        StructField("light_device_id", StringType()),
        StructField("presence_device_id", StringType()),
    ]
)


def anomalies(df: DataFrame, args) -> DataFrame:
    """Anomaly events as core/light-presence.ts emits them, as rows of the csv-writer's columns.

    The detector's clock is the largest event time of any room, so when a grace period ends or a
    presence reading goes stale depends on every reading in arrival order: one group holds the
    stream (Spark allows one applyInPandasWithState per query, so this step also keeps the
    arrival clock). Per reading the work is a running maximum over numpy arrays; only light and
    presence readings reach the per-room detectors (detector.py).
    """
    grace = args.grace
    max_age = math.inf if args.presence_max_age is None else args.presence_max_age
    state_schema = StructType([StructField("max_time", LongType()), StructField("rooms", StringType())])
    columns = ORDER + ["room", "sensor_type", "value", "device_id", "time_ms"]

    def detect(key, pdfs, state):
        pdf = pd.concat(list(pdfs), ignore_index=True).sort_values(ORDER, kind="stable")
        prev, saved = state.get if state.exists else (None, "{}")
        rooms = {
            name: RoomDetector(name, RoomState.from_row(row), grace, max_age)
            for name, row in json.loads(saved).items()  # first-seen order, as the TypeScript Map
        }
        times = pdf["time_ms"].to_numpy(dtype=np.int64)
        clock = np.maximum.accumulate(times)
        if prev is not None:
            clock = np.maximum(clock, prev)
        lp = pdf["sensor_type"].isin(("light", "presence")).to_numpy()
        sub = pdf[lp]
        for room, st, v, dev, t, c in zip(
            sub["room"], sub["sensor_type"], sub["value"], sub["device_id"], times[lp], clock[lp]
        ):
            det = rooms.get(room)
            if det is None:
                det = rooms[room] = RoomDetector(room, RoomState(), grace, max_age)
            det.observe(st, int(v), dev, int(t), int(c))
        final = int(clock[-1])
        rows = []
        for room, det in rooms.items():
            det.advance(final)  # what the clock passed after a room's last reading
            for e in det.out:
                rows.append(
                    (
                        e["event"], room, "spark", to_iso(int(e["since"])),
                        to_iso(int(e["detected_at"])) if "detected_at" in e else None,
                        to_iso(int(e["ended_at"])) if "ended_at" in e else None,
                        e.get("duration_s"), e.get("light_device_id"), e.get("presence_device_id"),
                    )
                )
        state.update((final, json.dumps({room: det.s.to_row() for room, det in rooms.items()})))
        yield pd.DataFrame(rows, columns=ANOMALY.fieldNames())

    return (
        df.select(*columns)
        .withColumn("_all", F.lit(0))
        .groupBy("_all")
        .applyInPandasWithState(detect, ANOMALY, state_schema, "append", GroupStateTimeout.NoTimeout)
    )


def dead_letters(parsed: DataFrame) -> DataFrame:
    """Records that are not readings, with kafka/consumer.ts's dead-letter headers."""
    return parsed.filter("not r.ok").select(
        "topic", "partition", "offset", "kafka_ts", F.col("r.reason").alias("reason"),
        F.col("value").cast("string").alias("value"), F.col("value").alias("raw"), "headers",
    )


def to_kafka(df: DataFrame, key: str | None) -> DataFrame:
    cols = [c for c in df.columns if c != "headers"]
    out = df.select(F.to_json(F.struct(*cols)).alias("value"))
    if key:
        out = df.select(F.col(key).alias("key"), F.to_json(F.struct(*cols)).alias("value"))
    return out


def start(df: DataFrame, args, name: str, sink: str, kafka_topic: str | None = None):
    writer = df.writeStream.queryName(f"{name}-{sink}").outputMode("append")
    writer = writer.option("checkpointLocation", f"{args.checkpoint}/{name}-{sink}")
    if args.trigger == "available-now":
        writer = writer.trigger(availableNow=True)
    else:
        writer = writer.trigger(processingTime=args.trigger)
    if sink == "kafka":
        writer = writer.format("kafka").options(**kafka_options(args)).option("topic", kafka_topic)
    else:
        writer = writer.format(args.format).option("path", f"{args.output}/{name}")
        if args.format == "csv":
            # RFC 4180 quoting (a quote doubled), as the csv-writer node and most readers expect.
            writer = writer.option("header", "true").option("escape", '"')
    return writer.start()


def run(argv: list[str]) -> int:
    args = parse_args(argv)
    spark = SparkSession.builder.appName("homestream").getOrCreate()
    spark.sparkContext.setLogLevel(args.log_level)
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    only = {s.strip() for s in args.only.split(",")}
    parsed = source(spark, args)
    queries = []
    if "dead-letters" in only:
        dl = dead_letters(parsed)
        queries.append(start(dl.drop("headers", "raw"), args, "dead_letters", "files"))
        if args.dlq_topic:
            # kafka/consumer.ts's dead letter: the original value and headers, plus why and whence.
            extra = F.array(
                F.struct(F.lit("dlq_reason").alias("key"), F.col("reason").cast("binary").alias("value")),
                F.struct(F.lit("dlq_source_topic").alias("key"), F.col("topic").cast("binary").alias("value")),
                F.struct(
                    F.lit("dlq_source_partition").alias("key"),
                    F.col("partition").cast("string").cast("binary").alias("value"),
                ),
                F.struct(
                    F.lit("dlq_source_offset").alias("key"),
                    F.col("offset").cast("string").cast("binary").alias("value"),
                ),
                F.struct(F.lit("dlq_consumer_group").alias("key"), F.lit(b"homestream-spark").alias("value")),
            )
            headers = F.concat(F.coalesce(F.col("headers"), F.array().cast(dl.schema["headers"].dataType)), extra)
            queries.append(
                start(
                    dl.select(F.col("raw").alias("value"), headers.alias("headers")),
                    args, "dead_letters", "kafka", args.dlq_topic,
                )
            )
    valid = readings(parsed)
    if "windows" in only:
        queries.append(start(windows(valid, args), args, "windows", "files"))
        if args.windows_topic:
            queries.append(start(to_kafka(windows(valid, args), None), args, "windows", "kafka", args.windows_topic))
    if "anomalies" in only:
        queries.append(start(anomalies(valid, args), args, "anomalies", "files"))
        if args.anomalies_topic:
            out = to_kafka(anomalies(valid, args), "room")
            queries.append(start(out, args, "anomalies", "kafka", args.anomalies_topic))
    for q in queries:
        q.awaitTermination()
    for q in queries:
        # What each query did, after start-up: its batches' input rows and processing time.
        progress = q.recentProgress
        rows = sum(p["numInputRows"] for p in progress)
        ms = sum(p["durationMs"].get("triggerExecution", 0) for p in progress)
        summary = {"query": q.name, "batches": len(progress), "input_rows": rows, "processing_ms": ms}
        print(f"homestream-spark: {json.dumps(summary)}", file=sys.stderr)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
