import { MemoryWorkQueue } from '../../../lib/queue/memory-queue.js';
import { describeWorkQueueContract } from './queue-contract.js';

describeWorkQueueContract('MemoryWorkQueue', () => Promise.resolve(new MemoryWorkQueue()));
