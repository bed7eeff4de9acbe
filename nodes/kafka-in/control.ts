// kafka-in's input: control messages that pause, resume or seek the consumer (msg.action), as
// other Node-RED Kafka nodes offer. Validated by one schema; errors name the field.
import { z } from "zod";

const offset = z.union([
  z.string().regex(/^\d+$/, { error: "must be a record offset (a whole number)" }),
  z.number().int().min(0).transform(String),
]);

const controlSchema = z.discriminatedUnion(
  "action",
  [
    z.object({ action: z.literal("pause"), topic: z.string().min(1).optional() }),
    z.object({ action: z.literal("resume"), topic: z.string().min(1).optional() }),
    z.object({
      action: z.literal("seek"),
      topic: z.string().min(1).optional(),
      partition: z.number().int().min(0, { error: "must be a partition number >= 0" }),
      offset,
    }),
  ],
  { error: 'msg.action must be "pause", "resume" or "seek"' },
);

export type ConsumerControl = z.output<typeof controlSchema>;

/** The control a message asks for, or an Error naming the bad field. */
export function consumerControl(
  msg: Record<string, unknown>,
  subscribed: readonly string[],
): ConsumerControl | Error {
  const r = controlSchema.safeParse({
    action: msg.action,
    topic: msg.topic,
    partition: msg.partition,
    offset: msg.offset,
  });
  if (!r.success) {
    const i = r.error.issues[0];
    const field = i && i.path.length > 0 ? `msg.${i.path.map(String).join(".")}: ` : "";
    return new Error(`${field}${i?.message ?? "invalid control message"}`);
  }
  const c = r.data;
  if (c.topic !== undefined && !subscribed.includes(c.topic)) {
    return new Error(`msg.topic: "${c.topic}" is not one of this node's topics (${subscribed.join(", ")})`);
  }
  if (c.action === "seek" && c.topic === undefined && subscribed.length > 1) {
    return new Error("msg.topic: name the topic to seek in (this node reads several)");
  }
  return c;
}
