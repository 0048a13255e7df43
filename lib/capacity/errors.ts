import { AgentSchedError } from '../errors/index.js';

/** A model description the capacity table cannot hold as given (e.g. too many slots per shard). */
export class CapacityConfigError extends AgentSchedError {
  readonly modelId: string;

  constructor(modelId: string, message: string) {
    super('capacity_config_invalid', `model ${modelId}: ${message}`);
    this.modelId = modelId;
  }
}

/** The model is not in the capacity table. */
export class ModelNotFoundError extends AgentSchedError {
  readonly modelId: string;

  constructor(modelId: string) {
    super('model_not_found', `model ${modelId} is not in the capacity table`);
    this.modelId = modelId;
  }
}

/** A caller-side misuse of the store (e.g. an empty lease id). */
export class InvalidLeaseError extends AgentSchedError {
  constructor(message: string) {
    super('invalid_lease', message);
  }
}
