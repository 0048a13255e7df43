export * from './server.js';
export * from './errors.js';
export * from './chat.js';
export * from './headers.js';
export * from './response.js';
export * from './auth.js';
