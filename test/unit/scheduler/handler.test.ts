import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createScheduleHandler } from '../../../lib/scheduler/handler.js';
import type { SchedulerDeps } from '../../../lib/scheduler/deps.js';
import { harness, model, testConfig } from './fixtures.js';

const context = { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'req-1' } as unknown as Context;
const emptyBatch = { eventSource: 'SelfManagedKafka', bootstrapServers: '127.0.0.1:9092', records: {} };

describe('Function: createScheduleHandler', () => {
  it('tries a failed dependency setup again on the next invocation instead of caching the failure', async () => {
    const h = await harness(testConfig([model('m', 1)]));
    let setups = 0;
    const handler = createScheduleHandler((): Promise<SchedulerDeps> => {
      setups += 1;
      return setups === 1 ? Promise.reject(new Error('table not reachable yet')) : Promise.resolve(h.deps);
    });

    await expect(handler(emptyBatch, context)).rejects.toThrow('table not reachable yet');
    await expect(handler(emptyBatch, context)).resolves.toMatchObject({});
    await handler(emptyBatch, context);

    expect(setups).toBe(2);
  });
});
