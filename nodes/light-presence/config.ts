// The light-presence configuration as the editor saves it, validated once at deploy.

import type { LightPresenceOptions } from "@homestream/core/light-presence";
import type { TopicPattern } from "@homestream/core/topic-pattern";
import { z } from "zod";
import { duration, parseConfig, timeZone } from "../shared/config.js";
import { stateStore } from "../shared/node-state.js";
import { topicInputPattern } from "./topic-input.js";

const schema = z
  .object({
    grace: duration(0),
    // blank or 0: presence never goes stale / no reminders
    presenceMaxAge: duration(0),
    reminder: duration(0),
    timeZone: timeZone(),
    stateStore: stateStore(),
  })
  .loose();

export interface LightPresenceConfig {
  detector: LightPresenceOptions;
  timeZone: string;
  /** Wall-clock tick that advances the detector while no readings arrive; 0 when nothing can fall due. */
  tickMs: number;
  /** Context store the state is kept in; undefined: the runtime's default; null: none. */
  stateStore: string | undefined | null;
  /** Topics input mode: room and kind from msg.topic by this pattern; undefined for readings. */
  topicPattern: TopicPattern | undefined;
}

export function lightPresenceConfig(def: unknown): LightPresenceConfig {
  const c = parseConfig(schema, def);
  const detector: LightPresenceOptions = {
    graceMs: c.grace,
    presenceMaxAgeMs: c.presenceMaxAge > 0 ? c.presenceMaxAge : null,
    reminderMs: c.reminder > 0 ? c.reminder : null,
  };
  // Deadlines exist only with a grace period, a presence age limit or reminders; the tick is a
  // tenth of the shortest of them, between 50 ms and 1 s, so one fires at most that late.
  const spans = [c.grace, c.presenceMaxAge, c.reminder].filter((ms) => ms > 0);
  const tickMs = spans.length === 0 ? 0 : Math.min(1000, Math.max(50, Math.floor(Math.min(...spans) / 10)));
  const topicPattern = topicInputPattern(def as Record<string, unknown>);
  return { detector, timeZone: c.timeZone, tickMs, stateStore: c.stateStore, topicPattern };
}
