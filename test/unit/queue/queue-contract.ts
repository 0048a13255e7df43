import { beforeEach, describe } from 'vitest';
import type { WorkQueue } from '../../../lib/queue/types.js';
import { agingContract, claimedRegistrationContract } from './queue-contract-aging.js';
import { claimContract } from './queue-contract-claims.js';
import { lifecycleContract } from './queue-contract-lifecycle.js';
import { orderContract } from './queue-contract-order.js';
import { registrationContract } from './queue-contract-registration.js';
import type { QueueFactory } from './queue-fixtures.js';

/**
 * What every `WorkQueue` must do, in memory and on DynamoDB (DynamoDB Local and dynalite): one
 * durable item per request, idempotent registration, the priority order, exclusive claims that
 * lapse when their owner dies, and state changes only by the owner. Times are virtual (`now`).
 */
export function describeWorkQueueContract(name: string, makeQueue: QueueFactory): void {
  describe(`${name}: work queue contract`, () => {
    let queue: WorkQueue;
    beforeEach(async () => {
      queue = await makeQueue();
    });
    const q = (): WorkQueue => queue;
    describe('registration', () => registrationContract(q));
    describe('order', () => orderContract(q));
    describe('claims', () => claimContract(q));
    describe('lifecycle', () => lifecycleContract(q));
    describe('merged reads and aging', () => agingContract(q));
    describe('claimed registration', () => claimedRegistrationContract(q));
  });
}
