/**
 * The `agentsched` package: the client agents use (request-reply over Kafka), the wire contracts
 * (zod schemas and types of requests and results), the configuration loader, the error classes,
 * and the OpenAI-compatible gateway for embedding.
 */
export * from './client/index.js';
export * from './contracts/index.js';
export { loadConfig, parseConfig, DEFAULT_CONFIG_FILE, ConfigSchema, ModelConfigSchema, ApiKeyRefSchema, StrategySchema, STRATEGIES } from './config/index.js';
export type { Config, ConfigInput, ConfigEnv, ModelConfig, ModelConfigInput, ApiKeyRef, Strategy } from './config/index.js';
export { AgentSchedError, InvalidRequestError, ConfigError, InfrastructureError, toError } from './errors/index.js';
export { startGateway, GatewayHttpError } from './gateway/index.js';
export type { Gateway, GatewayOptions, GatewayClient, GatewayLogEntry } from './gateway/index.js';
