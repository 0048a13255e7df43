/** Size limits enforced when decoding wire values. Kafka's default max message size is 1 MiB. */
export const LIMITS = {
  /** Raw bytes of one request record. */
  maxRecordBytes: 1_048_576,
  /** Characters of `content` (the prompt). */
  maxContentChars: 500_000,
  /** Number of chat messages. */
  maxMessages: 512,
  /** Identifiers: id, correlation_id, session_id, model_id. */
  maxIdChars: 256,
  /** Serialized `metadata` object, in characters. */
  maxMetadataChars: 16_384,
  /** Tools a request may offer the model (OpenAI's own limit). */
  maxTools: 128,
  /** Tool calls in one assistant message. */
  maxToolCalls: 128,
  /** Kafka's own limit on topic names. */
  maxTopicChars: 249,
} as const;
