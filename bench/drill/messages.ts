// The records a drill sends: the original agents' wire format (JSON body + `correlation_id`
// header), with a short `timeout_ms` when asked, and the poison kinds the scheduler must refuse.
import { randomBytes } from 'node:crypto';
import type { Message } from 'kafkajs';
import type { PlannedRequest } from './types.js';

const CONTENT = ['How does the internet work?', 'Summarize the main points of climate change.', 'Explain recursion to a child.'];

/** `timeout_ms` of a short-deadline request: far less than it waits under 5× overload. */
export const SHORT_TIMEOUT_MS = 400;

/** Content of the oversized poison record (the wait queue's items hold at most 400 KB). */
const LARGE_BYTES = 2 * 1024 * 1024;

export function requestMessage(req: PlannedRequest, id: string, cid: string, n: number): Message {
  const content = CONTENT[n % CONTENT.length]!;
  const body: Record<string, unknown> = {
    id,
    task_type: 'text_generation',
    priority: req.priority,
    content,
    token_count: Math.ceil(content.length / 4),
    correlation_id: cid,
    model_id: null,
    status: null,
  };
  const headers = { correlation_id: cid };
  switch (req.kind) {
    case 'valid':
      return { value: JSON.stringify(body), headers };
    case 'short_deadline':
      return { value: JSON.stringify({ ...body, timeout_ms: SHORT_TIMEOUT_MS }), headers };
    case 'poison_json':
      return { value: JSON.stringify(body).slice(0, 40), headers };
    case 'poison_types':
      return { value: JSON.stringify({ ...body, priority: 'urgent', content: 7, token_count: 'many' }), headers };
    case 'poison_large':
      return { value: JSON.stringify({ ...body, content: 'x'.repeat(LARGE_BYTES) }), headers };
    case 'poison_binary':
      return { value: Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), randomBytes(200)]), headers };
    case 'poison_no_correlation': {
      // Neither the header nor the body names a correlation id: nobody can be answered; a dead letter only.
      const { correlation_id: _cid, ...rest } = body;
      return { value: JSON.stringify(rest) };
    }
  }
}

/** Whether the scheduler can answer this kind at all (it needs a correlation id). */
export const addressable = (kind: PlannedRequest['kind']): boolean => kind !== 'poison_no_correlation';

export const isPoison = (kind: PlannedRequest['kind']): boolean => kind.startsWith('poison_');
