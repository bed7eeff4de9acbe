// light-presence's *topics* input mode: room and kind (light or presence) from msg.topic by a
// topic pattern, the state from msg.payload as devices send it (core/binary-topic.ts), the
// arrival time as event time. HomeStream readings stay the default mode.

import {
  compileStateTopicPattern,
  DEFAULT_STATE_TOPIC_PATTERN,
  stateFromTopic,
} from "@homestream/core/binary-topic";
import type { TopicPattern } from "@homestream/core/topic-pattern";
import { z } from "zod";
import { choice, parseConfig, text } from "../shared/config.js";
import type { PayloadReading } from "../shared/reading-input.js";
import type { NodeMessage } from "../shared/red.js";

const schema = z.object({
  inputMode: choice(["readings", "topics"], "readings"),
  topicPattern: text(DEFAULT_STATE_TOPIC_PATTERN).transform((source, ctx): TopicPattern => {
    try {
      return compileStateTopicPattern(source);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
      return z.NEVER;
    }
  }),
});

/** The topic pattern in topics mode, undefined in readings mode; throws a NodeConfigError. */
export function topicInputPattern(def: Record<string, unknown>): TopicPattern | undefined {
  const c = parseConfig(schema, { inputMode: def.inputMode, topicPattern: def.topicPattern });
  return c.inputMode === "topics" ? c.topicPattern : undefined;
}

/**
 * A reading from a state message, or undefined when its topic names a kind the rule does not
 * use (a temperature under the same pattern): such messages are passed over, not errors.
 */
export function readingFromTopicMessage(
  pattern: TopicPattern,
  msg: NodeMessage,
  receivedAt: number,
): PayloadReading | undefined {
  const r = stateFromTopic(pattern, msg.topic, msg.payload, receivedAt);
  if (r.kind === "ignored") return undefined;
  return r.kind === "reading" ? { ok: true, value: r.value } : { ok: false, reason: r.reason };
}
