import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { StoredRecord } from '../../../lib/queue/types.js';
import { completedResult } from '../../../lib/contracts/results.js';
import type { AgentRequest } from '../../../lib/contracts/request.js';
import type { AgentResult } from '../../../lib/contracts/result.js';
import { RAW_MAX_BYTES, decodeRecord, decodeRequest, decodeResult, encodeEntryPayload, gzipResult, pack, unpack } from '../../../lib/queue/payload.js';

describe('Function: pack / unpack', () => {
  it('stores small values as they are and large ones gzipped, and reads both back', () => {
    const small = Buffer.from('{"id":"a"}');
    const large = Buffer.from(JSON.stringify({ content: 'x'.repeat(RAW_MAX_BYTES * 4) }));
    expect([...pack(small)]).toEqual([0, ...small]);
    expect(pack(large).byteLength).toBeLessThan(large.byteLength / 4);
    expect(unpack(pack(small))).toEqual(small);
    expect(unpack(pack(large))).toEqual(large);
  });

  it('reads values stored gzipped before raw values existed, and raw bytes that look like gzip', () => {
    const legacy = gzipSync(Buffer.from('{"id":"old"}'));
    expect(unpack(legacy).toString()).toBe('{"id":"old"}');
    const junk = Buffer.from([0x1f, 0x8b, 0xff, 0x00]);
    expect(unpack(pack(junk))).toEqual(junk);
    expect(unpack(pack(Buffer.alloc(0)))).toEqual(Buffer.alloc(0));
  });
});

describe('Function: encodeEntryPayload', () => {
  it('round-trips a request and its record, binary value included', () => {
    const request = { id: 'r', correlation_id: 'c', content: 'hello' };
    const record: StoredRecord = { topic: 't', partition: 0, offset: '7', timestamp: 1, keyBase64: null, headers: { correlation_id: 'c' }, valueBase64: Buffer.from([0, 1, 0x1f, 0x8b, 255]).toString('base64') };
    const enc = encodeEntryPayload({ request, record });
    expect(decodeRequest(enc.req)).toEqual(request);
    expect(decodeRecord(enc.rec, enc.val)).toEqual(record);
    expect(enc.bytes).toBe(enc.req.byteLength + enc.rec.byteLength + enc.val.byteLength);
  });
});

describe('Function: decodeResult', () => {
  it('gives back a stored answer exactly as it was stored, so a re-published copy is byte-identical', () => {
    const request = { id: 'a', correlation_id: 'c', priority: 'high', task_type: 'text_generation', content: 'x', model_id: null, status: null } as const;
    const usage = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 };
    const result = completedResult(request as unknown as AgentRequest, { modelId: 'm', content: 'hello', usage, queuedMs: 5, llmMs: 7, attempts: 1, finishReason: 'stop' });
    expect(JSON.stringify(decodeResult(gzipResult(result)))).toBe(JSON.stringify(result));
    expect(decodeResult(gzipResult({ ...result, status: 'bogus' } as unknown as AgentResult))).toBeNull();
  });
});
