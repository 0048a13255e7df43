/** One record to publish. A string value is sent as UTF-8. */
export interface OutgoingRecord {
  topic: string;
  key?: string | null;
  value: string | Buffer;
  headers?: Record<string, string>;
}

/**
 * The port the scheduler publishes results, re-publishes and dead letters through.
 * `publish` resolves only once every record is acknowledged by all in-sync replicas, so a
 * caller that commits its input after `publish` never loses an answer.
 */
export interface RecordPublisher {
  publish(messages: readonly OutgoingRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** Groups records by topic, keeping their order within each topic. */
export function groupByTopic(messages: readonly OutgoingRecord[]): Map<string, OutgoingRecord[]> {
  const byTopic = new Map<string, OutgoingRecord[]>();
  for (const m of messages) {
    const list = byTopic.get(m.topic);
    if (list) list.push(m);
    else byTopic.set(m.topic, [m]);
  }
  return byTopic;
}
