export * from './types.js';
export * from './completion.js';
export * from './server.js';
export * from './fleet.js';
