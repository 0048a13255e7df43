import { z } from 'zod';
import { AgentRequestSchema } from './request.js';
import { AgentResultSchema } from './result.js';

const BASE = 'https://agentsched.dev/schemas';

/**
 * JSON Schemas generated from the zod schemas (the source of truth), so agents in any language
 * can validate what they send and receive. The request schema describes what agents may send
 * (input side: defaults not applied); the result schema what they receive.
 */
export function exportedSchemas(): Record<string, unknown> {
  const request = withPromptRule(z.toJSONSchema(AgentRequestSchema, { io: 'input', target: 'draft-2020-12' }));
  const result = z.toJSONSchema(AgentResultSchema, { io: 'output', target: 'draft-2020-12' });
  return {
    'agent-request.schema.json': { $id: `${BASE}/agent-request.schema.json`, title: 'AgentSched request', ...request },
    'agent-result.schema.json': { $id: `${BASE}/agent-result.schema.json`, title: 'AgentSched result', ...result },
  };
}

/**
 * zod cannot export a refinement, so the request's "either content or messages" rule
 * (lib/contracts/request.ts) is added here as `anyOf`: a non-empty `content`, or `messages`
 * (which has `minItems: 1`). test/unit/contracts/json-schema.test.ts feeds the same requests to the
 * decoder and to this schema.
 */
function withPromptRule(schema: Record<string, unknown>): Record<string, unknown> {
  return {
    ...schema,
    anyOf: [
      { required: ['content'], properties: { content: { minLength: 1 } } },
      { required: ['messages'] },
    ],
  };
}

/** The file text written to `schemas/` (stable formatting, trailing newline). */
export function schemaFileText(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
