import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportedSchemas, schemaFileText } from '../../../lib/contracts/json-schema.js';

describe('Exported JSON Schemas', () => {
  it.each(Object.entries(exportedSchemas()))('schemas/%s is up to date with the zod contracts (run `npm run schemas`)', (name, schema) => {
    const committed = readFileSync(`schemas/${name}`, 'utf8');
    expect(committed).toBe(schemaFileText(schema));
  });

  it('the request schema requires the fields the original agents always send', () => {
    const schema = exportedSchemas()['agent-request.schema.json'] as { required: string[] };
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'task_type', 'priority', 'correlation_id']));
  });
});
