// Writes schemas/*.schema.json from the zod contracts. `npm run schemas`; a unit test fails when stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportedSchemas, schemaFileText } from '../lib/contracts/json-schema.js';

const dir = 'schemas';
mkdirSync(dir, { recursive: true });
for (const [name, schema] of Object.entries(exportedSchemas())) {
  writeFileSync(join(dir, name), schemaFileText(schema));
  process.stdout.write(`wrote ${join(dir, name)}\n`);
}
