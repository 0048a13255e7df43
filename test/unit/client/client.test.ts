import { afterEach, describe, expect, it } from 'vitest';
import { AgentSchedClient } from '../../../lib/client/client.js';
import { ClientClosedError, RequestFailedError, RequestTimeoutError } from '../../../lib/client/errors.js';
import { MemoryClientTransport } from '../../../lib/client/memory-transport.js';
import type { ClientTransport } from '../../../lib/client/transport.js';
import { parseConfig } from '../../../lib/config/load.js';
import { completedResult, decodeRequest, failedResult } from '../../../lib/contracts/index.js';
import { InfrastructureError, InvalidRequestError } from '../../../lib/errors/index.js';
import { MemoryLog } from '../../../lib/local/memory-log.js';
import { MemoryEventSource } from '../../../lib/local/memory-source.js';
import { decodeHeaders } from '../../../lib/local/consumer.js';

const config = parseConfig({ models: [{ id: 'm', endpoint: 'http://127.0.0.1:1/v1', supported_tasks: ['text_generation'], capacity: 1 }] }, 'test');
const topics = config.kafka.topics;

/** An in-process scheduler stand-in: echoes `content`, fails on `fail`, ignores `silent`. */
async function memoryResponder(log: MemoryLog): Promise<{ stop(): Promise<void>; seen: string[] }> {
  for (const t of [topics.high, topics.medium, topics.low]) log.createTopic(t, 2);
  const publisher = log.publisher();
  const seen: string[] = [];
  const handle = await new MemoryEventSource(log).subscribe({ groupId: 'responder', topics: [topics.high, topics.medium, topics.low], fromBeginning: true }, async (d) => {
    for (const r of d.records) {
      const decoded = decodeRequest(r.value ?? Buffer.alloc(0), decodeHeaders(r.headers));
      if (!decoded.ok) continue;
      const req = decoded.request;
      seen.push(req.correlation_id);
      if (req.content === 'silent' || !req.reply_topic) continue;
      const result =
        req.content === 'fail'
          ? failedResult(req, { code: 'capacity_unavailable', message: 'full', retryable: true })
          : completedResult(req, { modelId: 'm', content: `echo: ${req.content}`, usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, queuedMs: 0, llmMs: 0, attempts: 1 });
      await publisher.publish([{ topic: req.reply_topic, value: JSON.stringify(result), headers: { correlation_id: req.correlation_id } }]);
    }
    await d.commit((BigInt(d.records[d.records.length - 1]!.offset) + 1n).toString());
  });
  return { stop: () => handle.stop(), seen };
}

describe('AgentSchedClient on the in-process log (npm start without a broker)', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function setup(): Promise<{ client: AgentSchedClient; responder: Awaited<ReturnType<typeof memoryResponder>>; log: MemoryLog }> {
    const log = new MemoryLog();
    const responder = await memoryResponder(log);
    closers.push(() => responder.stop());
    const client = await AgentSchedClient.connect({ config, transport: new MemoryClientTransport(log), clientId: 'unit' });
    closers.push(() => client.close());
    return { client, responder, log };
  }

  it('resolves many concurrent requests, each with its own reply', async () => {
    const { client } = await setup();
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => client.request({ content: `q${i}` })));
    results.forEach((r, i) => expect(r.content).toBe(`echo: q${i}`));
    expect(client.stats()).toMatchObject({ completed: 300, inFlight: 0, sent: 300 });
  });

  it('resolves a failed result, or rejects with RequestFailedError when asked to', async () => {
    const { client } = await setup();
    await expect(client.request({ content: 'fail' })).resolves.toMatchObject({ status: 'failed', error: { code: 'capacity_unavailable' } });
    await expect(client.request({ content: 'fail' }, { throwOnFailure: true })).rejects.toBeInstanceOf(RequestFailedError);
    expect(client.stats().failed).toBe(2);
  });

  it('rejects an invalid request before publishing anything', async () => {
    const { client, responder } = await setup();
    await expect(client.request({ content: '', messages: [] })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(client.request({ content: 'x', priority: 'urgent' as 'high' })).rejects.toBeInstanceOf(InvalidRequestError);
    expect(responder.seen).toEqual([]);
  });

  it('refuses a correlation id already in flight on this client', async () => {
    const { client } = await setup();
    const first = client.request({ content: 'silent', correlation_id: 'same' }, { timeoutMs: 200 });
    await expect(client.request({ content: 'x', correlation_id: 'same' })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(first).rejects.toBeInstanceOf(RequestTimeoutError);
  });

  it('rejects pending requests on close', async () => {
    const { client } = await setup();
    const pending = client.request({ content: 'silent' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await client.close();
    await expect(pending).rejects.toBeInstanceOf(ClientClosedError);
  });
});

describe('AgentSchedClient with a failing transport', () => {
  it('rejects the request with the publish error and counts it', async () => {
    const transport: ClientTransport = {
      publish: () => Promise.reject(new InfrastructureError('broker down')),
      subscribe: () => Promise.resolve({ close: () => Promise.resolve() }),
      close: () => Promise.resolve(),
    };
    const client = new AgentSchedClient({ config, transport });
    await expect(client.request({ content: 'x' })).rejects.toBeInstanceOf(InfrastructureError);
    await expect(client.submit({ content: 'x' })).rejects.toBeInstanceOf(InfrastructureError);
    expect(client.stats()).toMatchObject({ publishFailures: 2, sent: 0, inFlight: 0 });
    await client.close();
  });

  it('rejects requests when the reply topic cannot be read, and tries again on the next one', async () => {
    let attempts = 0;
    const transport: ClientTransport = {
      publish: () => Promise.resolve(),
      subscribe: () => (++attempts === 1 ? Promise.reject(new InfrastructureError('no broker')) : Promise.resolve({ close: () => Promise.resolve() })),
      close: () => Promise.resolve(),
    };
    const client = new AgentSchedClient({ config, transport });
    await expect(client.request({ content: 'x' })).rejects.toBeInstanceOf(InfrastructureError);
    await expect(client.request({ content: 'x' }, { timeoutMs: 50 })).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(attempts).toBe(2);
    await client.close();
  });
});

describe('AgentSchedClient reply topic lifecycle', () => {
  function recordingTransport(): ClientTransport & { deleted: string[]; created: string[] } {
    const deleted: string[] = [];
    const created: string[] = [];
    return {
      deleted,
      created,
      publish: () => Promise.resolve(),
      ensureTopic: (name) => {
        created.push(name);
        return Promise.resolve(true);
      },
      deleteTopic: (name) => {
        deleted.push(name);
        return Promise.resolve();
      },
      subscribe: () => Promise.resolve({ close: () => Promise.resolve() }),
      close: () => Promise.resolve(),
    };
  }

  it('keeps its reply topic on close unless told to delete it', async () => {
    const keep = recordingTransport();
    const client = await AgentSchedClient.connect({ config, transport: keep, clientId: 'svc' });
    expect(client.replyTopic).toMatch(/^agent\.svc\.[0-9a-f]{8}$/);
    await client.close();
    expect(keep.created).toEqual([client.replyTopic]);
    expect(keep.deleted).toEqual([]);

    const drop = recordingTransport();
    const other = await AgentSchedClient.connect({ config, transport: drop, replyTopic: 'agent.svc.fixed', deleteReplyTopicOnClose: true });
    await other.close();
    expect(drop.deleted).toEqual(['agent.svc.fixed']);
  });

  it('refuses a reply topic the scheduler would not answer on', () => {
    expect(() => new AgentSchedClient({ config, transport: recordingTransport(), replyTopic: 'results' })).toThrow(/reply_topic_pattern/);
  });
});
