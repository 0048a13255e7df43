import { loadConfig } from '../lib/config/load.js';
import { createFunctionDeps } from '../lib/lambda/deps.js';
import { createFunctionRuntime } from '../lib/lambda/runtime.js';
import { createObservability, observabilityMiddleware } from '../lib/observability/index.js';
import { createScheduleHandler } from '../lib/scheduler/handler.js';

// Cold start: configuration is read and validated once, Kafka secrets are read, and the clients
// (Kafka producer, LLM connection pools, DynamoDB) live in module scope for every warm invocation.
// A failure here fails the init, so the next invocation starts over.
const config = loadConfig();
const rt = createFunctionRuntime(config, createObservability('schedule'));
const deps = await createFunctionDeps(rt);

/** Kafka event source mappings (one per priority topic) invoke this with batches of requests. */
export const handler = createScheduleHandler(deps).use(observabilityMiddleware(rt.obs));
