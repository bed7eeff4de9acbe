"""One room of core/light-presence.ts's LightPresenceDetector, in Python (pure, no Spark).

The TypeScript detector keeps every room and one clock: the largest event time seen in any room.
Here a room is processed alone (Spark groups by room), so each reading carries the clock as the
whole stream had it when the reading arrived (`clock`, computed upstream in arrival order), and
`advance(clock)` moves a room's clock when other rooms' readings pass its deadlines (Spark's
event-time timeout). A room's events are then those of the TypeScript detector, reading for
reading; only the interleaving of different rooms' events differs.
Reminders are not carried over (`homestream detect` has none).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

INF = math.inf

IDLE, PENDING, OPEN = "idle", "pending", "open"


@dataclass
class RoomState:
    light: int | None = None
    light_device: str = ""
    presence: int | None = None
    presence_device: str = ""
    presence_time: float = 0
    phase: str = IDLE
    since: float = 0
    detected_at: float = 0
    # The next deadline: phase 0 a grace period ending, phase 1 the presence reading going stale.
    due_time: float = INF
    due_phase: int = 0

    def to_row(self) -> tuple:
        return tuple(asdict(self).values())

    @staticmethod
    def from_row(row) -> RoomState:
        return RoomState(*row)


class RoomDetector:
    """Events as dicts with epoch-ms times; the caller formats them."""

    def __init__(self, room: str, state: RoomState, grace_ms: int, max_age_ms: float):
        self.room = room
        self.s = state
        self.grace_ms = grace_ms
        self.max_age_ms = max_age_ms
        self.out: list[dict] = []

    def _is_due(self, clock: float) -> bool:
        s = self.s
        if s.due_time == INF:
            return False
        # core/deadline-heap.ts isDue: a grace period ends at its instant, staleness just after it.
        return s.due_time <= clock if s.due_phase == 0 else s.due_time < clock

    def advance(self, clock: float) -> None:
        while self._is_due(clock):
            self._fire()

    def observe(self, sensor_type: str, value: int, device_id: str, time: int, clock: float) -> None:
        """`clock` = max(stream clock before this reading, its time)."""
        self.advance(clock)
        self._apply(sensor_type == "light", value, device_id, time, clock)
        self.advance(clock)

    def _apply(self, is_light: bool, value: int, device_id: str, time: int, clock: float) -> None:
        s = self.s
        if is_light:
            s.light = value
            s.light_device = device_id
        else:
            s.presence = value
            s.presence_device = device_id
            s.presence_time = time
        holds = s.light == 1 and s.presence == 0 and clock - s.presence_time <= self.max_age_ms
        if s.phase == IDLE:
            if not holds:
                return
            s.phase = PENDING
            s.since = time
            self._reschedule()
        elif not holds:
            if s.phase == OPEN:
                self._end(time)
            s.phase = IDLE
            s.due_time = INF
        elif not is_light:
            self._reschedule()  # presence refreshed: a new expiry

    def _reschedule(self) -> None:
        s = self.s
        stale = s.presence_time + self.max_age_ms
        nxt = s.since + self.grace_ms if s.phase == PENDING else INF  # no reminders
        if nxt <= stale:
            s.due_time, s.due_phase = nxt, 0
        else:
            s.due_time, s.due_phase = stale, 1

    def _fire(self) -> None:
        s = self.s
        at = s.due_time
        if s.due_phase == 1:
            if s.phase == OPEN:
                self._end(at)
            s.phase = IDLE
            s.due_time = INF
            return
        if s.phase == PENDING:
            s.phase = OPEN
            s.detected_at = at
            self.out.append(
                {
                    "event": "anomaly_start",
                    "room": self.room,
                    "since": s.since,
                    "detected_at": at,
                    "light_device_id": s.light_device,
                    "presence_device_id": s.presence_device,
                }
            )
        self._reschedule()

    def _end(self, time: float) -> None:
        s = self.s
        ended = max(time, s.since)
        self.out.append(
            {
                "event": "anomaly_end",
                "room": self.room,
                "since": s.since,
                "ended_at": ended,
                "duration_s": (ended - s.since) / 1000,
            }
        )
