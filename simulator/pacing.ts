// When each event is due on the wall clock, relative to the start of a run. Pure: the caller
// reads its own clock and sleeps. Event-time spacing and wall-clock pacing are separate things:
// the same seeded stream can be printed as fast as possible or played out live.
//
// - asap: never wait.
// - rate: a fixed number of events per wall-clock second, whatever their event times.
// - speed: wall-clock gaps are event-time gaps divided by the speed (1 = real time), so a replay
//   or a realistic run keeps its rhythm; an event older than one already due (a late event) is
//   due at once.
export type Pacing =
  | { kind: "asap" }
  | { kind: "rate"; perSecond: number }
  | { kind: "speed"; factor: number };

export class PaceSchedule {
  private count = 0;
  private first: number | undefined;
  private latest = Number.NEGATIVE_INFINITY;

  constructor(readonly pacing: Pacing) {}

  /** Wall-clock offset (ms since the run started) at which the next event, of event time `time`, is due. */
  next(time: number): number {
    const k = this.count++;
    switch (this.pacing.kind) {
      case "asap":
        return 0;
      case "rate":
        return (k * 1000) / this.pacing.perSecond;
      case "speed": {
        this.first ??= time;
        this.latest = Math.max(this.latest, time);
        return (this.latest - this.first) / this.pacing.factor;
      }
    }
  }
}
