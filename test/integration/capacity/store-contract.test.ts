import { afterAll, describe } from 'vitest';
import { capacityStoreContract } from '../../unit/capacity/store-contract.js';
import { BACKENDS, createTestTable, openBackend } from './support.js';
import type { Backend, TestTable } from './support.js';

/** The in-memory store's contract, on the real table: DynamoDB Local and dynalite must agree with it. */
describe.each(BACKENDS)('on %s', (name) => {
  let backend: Backend | undefined;
  let table: TestTable | undefined;
  afterAll(async () => {
    await table?.drop();
    await backend?.close();
  });
  capacityStoreContract(`DynamoDB adapter (${name})`, async () => {
    backend = await openBackend(name);
    table = await createTestTable(backend.endpoint);
    const t = table;
    return { make: (options) => t.store(options) };
  });
});
