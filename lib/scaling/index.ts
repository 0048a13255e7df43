export * from './decide.js';
export * from './fleet.js';
export * from './lag.js';
export * from './mappings.js';
export * from './autoscaler.js';
export * from './errors.js';
export * from './env.js';
