export * from './event.js';
export * from './publisher.js';
export * from './client.js';
export * from './admin.js';
export * from './kafkajs-publisher.js';
export * from './memory-publisher.js';
export * from './reachable.js';
