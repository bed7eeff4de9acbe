// Kafka header names the bridge writes: provenance on every record (design: "headers carry provenance"),
// and the rejection on dead-lettered ones.

export const HEADER_MQTT_TOPIC = "mqtt_topic";
export const HEADER_MQTT_CLIENT_ID = "mqtt_client_id";
export const HEADER_MQTT_QOS = "mqtt_qos";
/** The user the embedded broker authenticated the publishing client as (absent: anonymous). */
export const HEADER_MQTT_USERNAME = "mqtt_username";
/** When the bridge received the message, ISO 8601 with Z. */
export const HEADER_RECEIVED_AT = "received_at";
/** Which field and why, for people: the same header the Kafka consumer's dead letters use (kafka/consumer.ts). */
export const HEADER_REJECT_DETAIL = "dlq_reason";
/** One of REJECT_REASONS, for machines (metrics label, routing). */
export const HEADER_REJECT_REASON = "dlq_reason_code";
/** Set when the dead-lettered value is only the first bytes of a payload too large to keep. */
export const HEADER_ORIGINAL_SIZE = "dlq_original_size";
