export type {
  ClaimOutcome, EnqueueOutcome, QueueEntry, QueueItem, QueueState, RequestKey, RetryState, StoredRecord, WaitingQuery, WorkQueue,
} from './types.js';
export { MemoryWorkQueue, servesModel } from './memory-queue.js';
export { DynamoWorkQueue } from './dynamo-queue.js';
export type { DynamoWorkQueueOptions } from './dynamo-queue.js';
export { ORDER_INDEX, UNTIL_INDEX, deleteQueueTable, ensureQueueTable } from './table.js';
export { QueueEntryTooLargeError } from './errors.js';
export { orderKey, requestHash, shardOf } from './key.js';
export { MAX_ENTRY_BYTES, MAX_PAYLOAD_BYTES } from './payload.js';
