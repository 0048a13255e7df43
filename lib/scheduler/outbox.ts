import type { Config } from '../config/schema.js';
import type { DeadLetter } from '../contracts/dead-letter.js';
import type { PartialRequest } from '../contracts/decode.js';
import type { AgentResult, ResultError } from '../contracts/result.js';
import type { DecodedRecord } from '../kafka/event.js';
import type { RecordPublisher } from '../kafka/publisher.js';
import type { MetricsRecorder } from '../metrics/recorder.js';
import type { SchedulerLogger } from './deps.js';
import { HEADER_CORRELATION, HEADER_REDELIVERY } from './entry.js';

/**
 * Everything the scheduler writes to Kafka: results (results topic + the allowed reply topic),
 * and dead letters. A failure to write the results or dead-letter topic
 * is an infrastructure failure (the batch is retried); a failure to write an agent's reply topic
 * is not (the answer is on the results topic already).
 */
export class Outbox {
  private readonly replyPattern: RegExp;

  constructor(
    private readonly config: Config,
    private readonly publisher: RecordPublisher,
    private readonly metrics: MetricsRecorder,
    private readonly logger: SchedulerLogger,
  ) {
    this.replyPattern = new RegExp(config.kafka.reply_topic_pattern);
  }

  /** True when an agent may receive results on `topic`. */
  replyAllowed(topic: string): boolean {
    const t = this.config.kafka.topics;
    const reserved = [t.high, t.medium, t.low, t.results, t.dead_letter];
    return this.replyPattern.test(topic) && !reserved.includes(topic);
  }

  /**
   * Publishes an answer to the results topic and the allowed reply topic. `redelivery`: a stored
   * answer published again because its first publisher died before marking it (a copy may have
   * gone out already; the header lets agents drop it by correlation id).
   */
  async publishResult(result: AgentResult, replyTopic: string | undefined, key: Buffer | null, redelivery = false): Promise<void> {
    const value = JSON.stringify(result);
    const headers: Record<string, string> = { [HEADER_CORRELATION]: result.correlation_id, ...(redelivery ? { [HEADER_REDELIVERY]: '1' } : {}) };
    const k = key ? key.toString('utf8') : result.correlation_id || null;
    const results = { topic: this.config.kafka.topics.results, key: k, value, headers };
    if (!replyTopic || replyTopic === this.config.kafka.topics.results) {
      await this.publisher.publish([results]);
      return;
    }
    const dims = { model: result.model_id ?? 'none', priority: result.priority ?? 'unknown' };
    if (!this.replyAllowed(replyTopic)) {
      await this.publisher.publish([results]);
      this.metrics.add('reply_topic_refused', dims);
      this.logger.warn('reply topic not allowed; answered on the results topic only', { replyTopic, correlationId: result.correlation_id });
      return;
    }
    try {
      // Both topics in one produce request (one round trip).
      await this.publisher.publish([results, { ...results, topic: replyTopic }]);
      return;
    } catch {
      // Which one failed is unknown (a produce request can succeed for one topic only): the
      // results topic must be written, and a copy that may repeat one is flagged as a redelivery.
    }
    await this.publisher.publish([{ ...results, headers: { ...headers, [HEADER_REDELIVERY]: '1' } }]);
    try {
      await this.publisher.publish([{ ...results, topic: replyTopic }]);
    } catch (err) {
      this.metrics.add('reply_topic_refused', dims);
      this.logger.warn('could not write the reply topic; answered on the results topic only', {
        replyTopic,
        correlationId: result.correlation_id,
        error: (err as Error).message,
      });
    }
  }

  async deadLetter(record: DecodedRecord, reason: ResultError, partial: PartialRequest, attempts: number): Promise<void> {
    const letter: DeadLetter = {
      reason,
      source: { topic: record.topic, partition: record.partition, offset: record.offset, timestamp: record.timestamp },
      request_id: partial.id ?? null,
      correlation_id: partial.correlation_id ?? null,
      key_base64: record.key ? record.key.toString('base64') : null,
      value_base64: record.value.toString('base64'),
      headers: record.headers,
      attempts,
      dead_lettered_at: new Date().toISOString(),
    };
    this.metrics.add('dead_lettered', { model: 'none', priority: partial.priority ?? 'unknown' });
    await this.publisher.publish([
      {
        topic: this.config.kafka.topics.dead_letter,
        key: partial.correlation_id ?? null,
        value: JSON.stringify(letter),
        headers: { ...(partial.correlation_id ? { [HEADER_CORRELATION]: partial.correlation_id } : {}), 'agentsched-reason': reason.code },
      },
    ]);
  }
}
