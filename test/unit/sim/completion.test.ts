import { describe, expect, it } from 'vitest';
import {
  completionBody,
  completionText,
  completionTokens,
  promptOf,
  resolveSimModel,
  SIM_MODEL_DEFAULTS,
  simLatencyMs,
  tokensOf,
} from '../../../lib/sim/completion.js';

describe('completionText', () => {
  it('names the model and the start of the prompt, padded to about 4 chars per token', () => {
    const text = completionText('gpt-4-o', 'Tell me\n about   the weather in Paris today, and tomorrow, and the day after please', 64);
    expect(text.startsWith('[gpt-4-o] answer to: Tell me about the weather in Paris today, and tomorrow, and lorem')).toBe(true);
    expect(text).not.toContain('day after');
    expect(text).toHaveLength(256);
  });

  it('keeps the whole header even when the token count is tiny', () => {
    expect(completionText('m', 'hello', 1)).toBe('[m] answer to: hello');
  });

  it('is deterministic', () => {
    expect(completionText('m', 'p', 100)).toBe(completionText('m', 'p', 100));
  });
});

describe('completionTokens', () => {
  const model = { defaultCompletionTokens: 64, maxCompletionTokens: 100 };

  it('uses the default without max_tokens, max_tokens when given', () => {
    expect(completionTokens(model, undefined)).toEqual({ tokens: 64, finishReason: 'stop' });
    expect(completionTokens(model, 10)).toEqual({ tokens: 10, finishReason: 'length' });
    expect(completionTokens(model, 80)).toEqual({ tokens: 80, finishReason: 'stop' });
  });

  it('caps huge max_tokens and reports finish_reason length', () => {
    expect(completionTokens(model, 1_000_000)).toEqual({ tokens: 100, finishReason: 'length' });
  });
});

describe('promptOf / tokensOf', () => {
  it('joins every message for counting and keeps the last user message for the answer', () => {
    const p = promptOf([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'reply' },
      { role: 'user', content: [{ type: 'text', text: 'second' }] },
      'garbage',
    ]);
    expect(p).toEqual({ all: 'sysfirstreplysecond', lastUser: 'second' });
    expect(tokensOf(p.all)).toBe(5);
    expect(tokensOf('')).toBe(1);
  });
});

describe('simLatencyMs', () => {
  const model = { latencyMs: 100, perTokenMs: 2, jitter: 0.5 };

  it('is prefill plus per-token decode, jittered symmetrically', () => {
    expect(simLatencyMs(model, 50, () => 0.5)).toBe(200);
    expect(simLatencyMs(model, 50, () => 0)).toBe(100);
    expect(simLatencyMs(model, 50, () => 1)).toBe(300);
    expect(simLatencyMs({ ...model, jitter: 0 }, 0, Math.random)).toBe(100);
  });
});

describe('completionBody', () => {
  it('has the OpenAI chat.completion shape with consistent usage', () => {
    const body = completionBody({ id: 'c1', model: 'm', created: 1, content: 'hi', promptTokens: 3, completionTokens: 4, finishReason: 'stop' });
    expect(body).toMatchObject({
      id: 'c1',
      object: 'chat.completion',
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    });
  });
});

describe('resolveSimModel', () => {
  it('applies defaults, keeping explicit values and ignoring undefined ones', () => {
    const m = resolveSimModel({ id: 'a', capacity: 2, latencyMs: 5, failRate: undefined });
    expect(m).toEqual({ ...SIM_MODEL_DEFAULTS, id: 'a', capacity: 2, latencyMs: 5 });
  });

  it('rejects impossible settings', () => {
    expect(() => resolveSimModel({ id: 'a', capacity: 0 })).toThrow('capacity');
    expect(() => resolveSimModel({ id: 'a', capacity: 1, failRate: 1.5 })).toThrow('failRate');
    expect(() => resolveSimModel({ id: 'a', capacity: 1, stallMs: -1 })).toThrow('stallMs');
  });
});
