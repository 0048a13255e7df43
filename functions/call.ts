import { loadConfig } from '../lib/config/load.js';
import { createFunctionDeps } from '../lib/lambda/deps.js';
import { createFunctionRuntime } from '../lib/lambda/runtime.js';
import { createObservability, observabilityMiddleware } from '../lib/observability/index.js';
import { createCallHandler } from '../lib/scheduler/handler.js';

// Cold start: configuration, Kafka secrets and clients (Kafka producer, LLM connection pools with
// their API keys, DynamoDB, Lambda for further doorbells) once per container.
const config = loadConfig();
const rt = createFunctionRuntime(config, createObservability('call'));
const deps = await createFunctionDeps(rt);

/** Async-invoked by the dispatcher with leased slots and claimed requests: runs them, hands each slot on. */
export const handler = createCallHandler(deps).use(observabilityMiddleware(rt.obs));
