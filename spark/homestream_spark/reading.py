"""The reading schema of core/reading.ts, in Python: the same rules and the same reason strings.

Pure (no Spark here), so it can be checked against the TypeScript core directly. Kept equal to
core/reading.ts, core/reading-rules.ts and core/time.ts by test/spark/reading.test.ts, which feeds
both the same inputs. Where JavaScript and Python differ (string length in UTF-16 units, JSON
numbers, what `trim()` removes, `\\d` and `$` in patterns) this module does what JavaScript does.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from homestream_spark.json_errors import v8_message

BINARY_SENSOR_TYPES = frozenset(("presence", "light"))
MAX_NAME_LENGTH = 128
# C0 controls, DEL and C1 controls (core/reading-rules.ts CONTROL).
CONTROL = re.compile("[\u0000-\u001f\u007f-\u009f]")
ON_OFF = {"on": 1, "off": 0, "true": 1, "false": 0}
# core/time.ts ISO, with [0-9] for JavaScript's ASCII-only \d and \Z for its end-of-input $.
ISO = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:[.,]([0-9]{1,9}))?)?(Z|z|[+-][0-9]{2}(?::?[0-9]{2})?)?\Z"
)
MIN_EPOCH_MS = -62_135_596_800_000  # 0001-01-01T00:00:00Z
MAX_EPOCH_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z
# What String.prototype.trim() removes: WhiteSpace and LineTerminator of ECMA-262.
JS_WHITESPACE = (
    "\u0009\u000a\u000b\u000c\u000d\u0020\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class _Undefined:
    """A field absent from the payload (JavaScript's undefined, as opposed to null)."""


UNDEFINED = _Undefined()


def js_length(s: str) -> int:
    """String length as JavaScript counts it: UTF-16 code units."""
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def clip(s: str, limit: int = 40) -> str:
    if js_length(s) <= limit:
        return s
    head = s.encode("utf-16-le", "surrogatepass")[: 2 * limit]
    return head.decode("utf-16-le", "surrogatepass") + "…"


def js_number(x: float) -> str:
    """Number::toString of ECMA-262 (6.1.6.1.20): what String(x) gives in JavaScript."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    # repr gives the shortest digits that round-trip, as JavaScript does.
    mantissa, _, exp = repr(abs(float(x))).partition("e")
    int_part, _, frac = mantissa.partition(".")
    frac = frac.rstrip("0") if frac != "0" else ""
    digits = (int_part + frac).lstrip("0")
    n = len(int_part) + (int(exp) if exp else 0)
    if int_part == "0":  # 0.00123 -> digits "123", n = -2
        stripped = frac.lstrip("0")
        n = -(len(frac) - len(stripped)) + (int(exp) if exp else 0)
        digits = stripped
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    exp_text = ("+" if e >= 0 else "-") + str(abs(e))
    if k == 1:
        return sign + digits + "e" + exp_text
    return sign + digits[0] + "." + digits[1:] + "e" + exp_text


def is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def describe_type(v: object) -> str:
    """core/time.ts describeType: JavaScript's typeof, with null, array and non-finite numbers named."""
    if v is None:
        return "null"
    if v is UNDEFINED:
        return "undefined"
    if isinstance(v, list):
        return "array"
    if isinstance(v, bool):
        return "boolean"
    if is_number(v):
        return js_number(v) if not math.isfinite(v) else "number"
    if isinstance(v, str):
        return "string"
    return "object"


def _name_issues(v: object) -> list[str]:
    if v is UNDEFINED:
        return ["is required"]
    if not isinstance(v, str):
        return [f"must be a string, got {describe_type(v)}"]
    issues = []
    n = len(v)  # zod counts code points here, not UTF-16 units
    if n < 1:
        issues.append("must not be empty")
    if n > MAX_NAME_LENGTH:
        issues.append(f"must be at most {MAX_NAME_LENGTH} characters")
    if CONTROL.search(v):
        issues.append("must not contain control characters")
    return issues


def normalise_value(sensor_type: str, raw: object) -> float | str:
    """A number for the sensor type, or the reason it cannot be (core/reading.ts normaliseValue)."""
    if sensor_type in BINARY_SENSOR_TYPES:
        if isinstance(raw, bool):
            return 1 if raw else 0
        if isinstance(raw, str):
            v = ON_OFF.get(raw.strip(JS_WHITESPACE).lower())
            if v is None:
                return f'must be 0, 1, true, false, "ON" or "OFF" for {sensor_type}, got "{clip(raw)}"'
            return v
        if is_number(raw) and (raw == 0 or raw == 1):
            return 0 if raw == 0 else 1
        got = js_number(raw) if is_number(raw) else describe_type(raw)
        return f"must be 0 or 1 for {sensor_type}, got {got}"
    if not is_number(raw):
        return f"must be a finite number, got {describe_type(raw)}"
    if not math.isfinite(raw):
        return f"must be a finite number, got {js_number(raw)}"
    return float(raw)


@lru_cache(maxsize=64)
def zone_info(name: str):
    return timezone.utc if name in ("UTC", "Etc/UTC") else ZoneInfo(name)


def _valid_wall(year, month, day, hour, minute, second) -> bool:
    # Date.UTC maps years 0..99 to 1900..1999, so core/time.ts finds them invalid.
    if year < 100 or hour > 23 or minute > 59 or second > 59:
        return False
    try:
        datetime(year, month, day)
    except ValueError:
        return False
    return True


def parse_timestamp(raw: object, time_zone: str = "UTC") -> int | str:
    """Epoch milliseconds, or the reason (core/time.ts parseTimestamp)."""
    if is_number(raw):
        if not math.isfinite(raw):
            return "must be a finite number of epoch milliseconds"
        if raw < MIN_EPOCH_MS or raw > MAX_EPOCH_MS:
            return "epoch milliseconds out of range (years 0001 to 9999)"
        return int(raw)  # Math.trunc
    if not isinstance(raw, str):
        return f"must be an ISO 8601 string or epoch milliseconds, got {describe_type(raw)}"
    m = ISO.match(raw)
    if not m:
        return f'"{clip(raw)}" is not an ISO 8601 date-time (e.g. 2026-11-27T21:00:00Z)'
    y, mo, d, h, mi, s, frac, zone = m.groups()
    year, month, day, hour, minute = int(y), int(mo), int(d), int(h), int(mi)
    second = int(s) if s else 0
    ms = int(frac[:3].ljust(3, "0")) if frac else 0
    if not _valid_wall(year, month, day, hour, minute, second):
        return f'"{clip(raw)}" is not a valid calendar date-time'
    wall = datetime(year, month, day, hour, minute, second, ms * 1000)
    wall_ms = (wall.replace(tzinfo=timezone.utc) - EPOCH) // timedelta(milliseconds=1)
    if zone is None:
        # fold=0: in an overlap the earlier instant, in a gap the offset from before it.
        offset = wall.replace(tzinfo=zone_info(time_zone), fold=0).utcoffset()
        return wall_ms - offset // timedelta(milliseconds=1)
    if zone in ("Z", "z"):
        return wall_ms
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "", 1)
    off_h = int(digits[:2])
    off_m = int(digits[2:4]) if len(digits) > 2 else 0
    if off_h > 23 or off_m > 59:
        return f'"{clip(raw)}" has an invalid UTC offset'
    return wall_ms - sign * (off_h * 60 + off_m) * 60_000


def to_iso(epoch_ms: int) -> str:
    """Date#toISOString for years 0001..9999."""
    t = EPOCH + timedelta(milliseconds=epoch_ms)
    return (
        f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
        f".{t.microsecond // 1000:03d}Z"
    )


def _js_number_value(v: object) -> object:
    """A JSON number as JavaScript holds it: a double (huge integers become +-Infinity)."""
    if isinstance(v, int) and not isinstance(v, bool):
        try:
            return float(v)
        except OverflowError:
            return math.inf if v > 0 else -math.inf
    return v


def _field(obj: dict, key: str) -> object:
    return _js_number_value(obj[key]) if key in obj else UNDEFINED


def validate(data: object, time_zone: str = "UTC"):
    """(reading dict, epoch ms) for a valid reading, else (None, reason) as formatIssues writes it."""
    if not isinstance(data, dict):
        return None, f"a reading must be a JSON object, got {describe_type(data)}"
    issues: list[tuple[str, str]] = []
    for key in ("room", "sensor_type"):
        issues += [(key, m) for m in _name_issues(_field(data, key))]
    value = _field(data, "value")
    if value is UNDEFINED or value is None:
        issues.append(("value", "is required"))
    timestamp = _field(data, "timestamp")
    if timestamp is UNDEFINED or timestamp is None:
        issues.append(("timestamp", "is required"))
    issues += [("device_id", m) for m in _name_issues(_field(data, "device_id"))]
    if not issues:
        # zod runs the transform only on an object that passed its shape.
        sensor_type = data["sensor_type"]
        v = normalise_value(sensor_type, value)
        if isinstance(v, str):
            issues.append(("value", v))
        t = parse_timestamp(timestamp, time_zone)
        if isinstance(t, str):
            issues.append(("timestamp", t))
        if not issues:
            reading = {
                "room": well_formed(data["room"]),
                "sensor_type": well_formed(sensor_type),
                "value": v,
                "timestamp": to_iso(t),
                "device_id": well_formed(data["device_id"]),
            }
            return reading, t
    return None, well_formed("; ".join(f"{f}: {m}" for f, m in issues))


def well_formed(s: str) -> str:
    """Lone surrogates (JSON allows "\\ud800") as U+FFFD, as Node writes them in UTF-8; Arrow and
    UTF-8 outputs refuse them."""
    if not any("\ud800" <= c <= "\udfff" for c in s):
        return s
    return s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _reject_constant(name: str):
    raise ValueError(f"Unexpected token '{name[0]}'")


def parse_record(value: bytes | None, time_zone: str = "UTC"):
    """A Kafka record's value to (reading, epoch ms) or (None, reason), as kafka/consumer.ts decodes it."""
    if value is None:
        return None, "record has no value"
    text = bytes(value).decode("utf-8", "replace")
    try:
        # JSON.parse knows no NaN or Infinity; Python's json does unless told otherwise.
        data = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as err:
        return None, f"invalid JSON: {v8_message(text) or _json_message(err)}"
    return validate(data, time_zone)


def _json_message(err: Exception) -> str:
    # Only when json_errors.py finds no error where Python's parser did (it should not happen).
    if isinstance(err, json.JSONDecodeError):
        return f"{err.msg} in JSON at position {err.pos}"
    return str(err)


def _main() -> None:
    """Reads Kafka-like values (one JSON string of the record text per line, or null) on stdin and
    writes what the job would make of each: {"reading": ..., "time": ...} or {"reason": ...}."""
    import sys

    zone = sys.argv[1] if len(sys.argv) > 1 else "UTC"
    for line in sys.stdin:
        raw = json.loads(line)
        reading, t = parse_record(None if raw is None else raw.encode("utf-8", "surrogatepass"), zone)
        out = {"reason": t} if reading is None else {"reading": reading, "time": t}
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    _main()
