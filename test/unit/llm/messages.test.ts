import { describe, expect, it } from 'vitest';
import { buildMessages, estimateTokens, estimateUsage } from '../../../lib/llm/messages.js';
import type { ChatMessage } from '../../../lib/contracts/request.js';

describe('buildMessages', () => {
  it('sends content as one user message when there are no messages', () => {
    expect(buildMessages({ content: 'Summarize this' })).toEqual([{ role: 'user', content: 'Summarize this' }]);
  });

  it('sends messages instead of content when both are present', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Be brief' },
      { role: 'user', content: 'Hi', name: 'agent-7' },
    ];
    expect(buildMessages({ content: 'ignored', messages })).toEqual([
      { role: 'system', content: 'Be brief' },
      { role: 'user', content: 'Hi', name: 'agent-7' },
    ]);
  });

  it('copies only OpenAI message fields', () => {
    const smuggled = { role: 'user', content: 'x', extra: 'secret' } as unknown as ChatMessage;
    expect(buildMessages({ content: '', messages: [smuggled] })).toEqual([{ role: 'user', content: 'x' }]);
  });

  it('passes content parts (images) through unchanged', () => {
    const parts = [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:,' } }];
    expect(buildMessages({ content: '', messages: [{ role: 'user', content: parts }] })).toEqual([{ role: 'user', content: parts }]);
  });
});

describe('estimateUsage', () => {
  it('counts about four characters per token', () => {
    expect(estimateTokens(0)).toBe(0);
    expect(estimateTokens(1)).toBe(1);
    expect(estimateTokens(8)).toBe(2);
    expect(estimateUsage({ content: 'a'.repeat(40) }, 'b'.repeat(20))).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
  });

  it('counts the text of every message and of text parts', () => {
    const usage = estimateUsage(
      { content: '', messages: [{ role: 'system', content: 'abcd' }, { role: 'user', content: [{ type: 'text', text: 'efgh' }] }] },
      '',
    );
    expect(usage.prompt_tokens).toBe(2);
  });
});
