import type { ServerResponse } from 'node:http';
import type { SimAnswer } from './answer.js';

/** What one streamed answer needs. */
export interface SseArgs {
  id: string;
  model: string;
  created: number;
  answer: SimAnswer;
  promptTokens: number;
  /** `stream_options.include_usage`: a last chunk with the usage and no choices. */
  includeUsage: boolean;
  /** Delay between two tokens. */
  perTokenMs: number;
  /** Runs `fn` after `ms` on a timer the server can cancel; `stopped()` true ends the stream silently. */
  later: (ms: number, fn: () => void) => void;
  stopped: () => boolean;
}

/** The answer cut in pieces of about one token (four characters), as a model streams it. */
export function tokenPieces(text: string): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += 4) pieces.push(text.slice(i, i + 4));
  return pieces;
}

/**
 * Writes the answer as OpenAI's server-sent `chat.completion.chunk`s, one token per `perTokenMs`:
 * the role first, then the text (or the tool call: id and name, then its arguments), the finish
 * reason, the usage when asked for (other chunks then carry `usage: null`), and `data: [DONE]`.
 * Resolves once the last chunk is written (false when the stream was stopped first).
 */
export function writeSse(res: ServerResponse, a: SseArgs): Promise<boolean> {
  const base = { id: a.id, object: 'chat.completion.chunk', created: a.created, model: a.model, ...(a.includeUsage ? { usage: null } : {}) };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): Record<string, unknown> => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  const call = a.answer.toolCalls?.[0];
  const deltas: Record<string, unknown>[] = [{ role: 'assistant', content: call ? null : '' }];
  if (call) {
    deltas.push({ tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] });
    for (const p of tokenPieces(call.function.arguments)) deltas.push({ tool_calls: [{ index: 0, function: { arguments: p } }] });
  } else {
    for (const p of tokenPieces(a.answer.content ?? '')) deltas.push({ content: p });
  }
  const tail: Record<string, unknown>[] = [chunk({}, a.answer.finishReason)];
  if (a.includeUsage) {
    const usage = { prompt_tokens: a.promptTokens, completion_tokens: a.answer.completionTokens, total_tokens: a.promptTokens + a.answer.completionTokens };
    tail.push({ ...base, choices: [], usage });
  }
  const write = (value: unknown): void => void res.write(`data: ${JSON.stringify(value)}\n\n`);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  return new Promise<boolean>((resolve) => {
    let i = 0;
    const step = (): void => {
      if (a.stopped()) return resolve(false);
      write(chunk(deltas[i]!));
      i += 1;
      if (i < deltas.length) {
        a.later(i === 1 ? 0 : a.perTokenMs, step);
        return;
      }
      for (const t of tail) write(t);
      res.end('data: [DONE]\n\n');
      resolve(true);
    };
    step();
  });
}
