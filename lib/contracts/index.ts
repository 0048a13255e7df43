export * from './request.js';
export { ToolCallSchema, ToolSchema, ToolChoiceSchema, ResponseFormatSchema, CHAT_PARAMS } from './chat.js';
export type { ToolCall, Tool } from './chat.js';
export * from './stream.js';
export * from './result.js';
export * from './dead-letter.js';
export * from './decode.js';
export * from './results.js';
export { LIMITS } from './limits.js';
