import { z } from 'zod';

/** At most this many correlation ids go on every log line of an invocation. */
export const MAX_CORRELATION_IDS = 20;

const KafkaHeadersEvent = z.object({
  records: z.record(z.string(), z.array(z.object({ headers: z.array(z.record(z.string(), z.array(z.number()).nullable())).nullish() }).loose())),
});
const CallEvent = z.object({ kind: z.literal('agentsched.call'), calls: z.array(z.object({ key: z.object({ correlationId: z.string() }).loose() }).loose()) });
const ScheduledEvent = z.object({ 'detail-type': z.literal('Scheduled Event'), id: z.string() });

function kafkaCorrelationIds(event: z.infer<typeof KafkaHeadersEvent>): string[] {
  const ids: string[] = [];
  for (const records of Object.values(event.records)) {
    for (const r of records) {
      for (const h of r.headers ?? []) {
        const bytes = h['correlation_id'];
        if (bytes) ids.push(Buffer.from(bytes).toString('utf8'));
        if (ids.length >= MAX_CORRELATION_IDS) return ids;
      }
    }
  }
  return ids;
}

/**
 * The correlation ids an invocation serves, read from the event without decoding payloads: the
 * `correlation_id` headers of a Kafka batch, the requests of a `call` doorbell, the id of a
 * scheduled (EventBridge) event. Identifiers only, never record content.
 */
export function correlationIdsOf(event: unknown): string[] {
  const call = CallEvent.safeParse(event);
  if (call.success) return call.data.calls.slice(0, MAX_CORRELATION_IDS).map((c) => c.key.correlationId);
  const kafka = KafkaHeadersEvent.safeParse(event);
  if (kafka.success) return kafkaCorrelationIds(kafka.data);
  const scheduled = ScheduledEvent.safeParse(event);
  if (scheduled.success) return [scheduled.data.id];
  return [];
}
