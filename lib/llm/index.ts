export * from './errors.js';
export * from './retry-after.js';
export * from './backoff.js';
export * from './api-key.js';
export * from './messages.js';
export * from './pool.js';
export * from './call.js';
