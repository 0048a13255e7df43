export * from './request.js';
export * from './result.js';
export * from './dead-letter.js';
export * from './decode.js';
export * from './results.js';
export { LIMITS } from './limits.js';
