import type { ApiKeyRef } from '../config/schema.js';
import { ApiKeyError } from './errors.js';

/** The key sent to endpoints that need none (vLLM, SGLang): the SDK insists on some value. */
export const NO_API_KEY = 'EMPTY';

/**
 * Resolves a secret name (or ARN) to its value. The production implementation would call AWS
 * Secrets Manager; `@aws-sdk/client-secrets-manager` is not a dependency, so the default reads the
 * secret from the environment instead (see {@link envSecretResolver}) and deployments inject it
 * there (e.g. a Lambda environment variable filled from Secrets Manager at deploy time).
 */
export interface SecretResolver {
  resolve(name: string): Promise<string>;
  /** An SSM parameter (`api_key: {ssm: name}`); lib/secrets implements both on AWS. */
  resolveParameter?(name: string): Promise<string>;
}

/** `my-app/openai-key` → `AGENTSCHED_SECRET_MY_APP_OPENAI_KEY`: upper case, non-alphanumerics → `_`. */
export function secretEnvName(name: string): string {
  return `AGENTSCHED_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * Default {@link SecretResolver}: reads `AGENTSCHED_SECRET_<NORMALIZED_NAME>` (see
 * {@link secretEnvName}; an ARN is normalized whole, like any other name).
 */
export function envSecretResolver(env: NodeJS.ProcessEnv = process.env): SecretResolver {
  return {
    resolve(name: string): Promise<string> {
      const variable = secretEnvName(name);
      const value = env[variable];
      if (!value) return Promise.reject(new ApiKeyError(`secret "${name}" is not available: set ${variable}`));
      return Promise.resolve(value);
    },
  };
}

/** Options of {@link ApiKeyResolver}. */
export interface ApiKeyResolverOptions {
  secrets?: SecretResolver;
  env?: NodeJS.ProcessEnv;
}

/**
 * Turns an {@link ApiKeyRef} into the key itself, once per reference (keys are cached for the life
 * of the container, like the clients that use them). Errors name the variable or secret, never a
 * value. A failed lookup is not cached, so fixing the environment or the secret is picked up.
 */
export class ApiKeyResolver {
  private readonly secrets: SecretResolver;
  private readonly env: NodeJS.ProcessEnv;
  private readonly cache = new Map<string, Promise<string>>();

  constructor(options: ApiKeyResolverOptions = {}) {
    this.env = options.env ?? process.env;
    this.secrets = options.secrets ?? envSecretResolver(this.env);
  }

  resolve(ref: ApiKeyRef): Promise<string> {
    const key = apiKeyRefKey(ref);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const pending = this.lookup(ref);
    this.cache.set(key, pending);
    pending.catch(() => this.cache.delete(key));
    return pending;
  }

  private lookup(ref: ApiKeyRef): Promise<string> {
    if ('none' in ref) return Promise.resolve(NO_API_KEY);
    if ('env' in ref) {
      const value = this.env[ref.env];
      if (!value) return Promise.reject(new ApiKeyError(`environment variable ${ref.env} is not set`));
      return Promise.resolve(value);
    }
    if ('ssm' in ref) {
      if (!this.secrets.resolveParameter) return Promise.reject(new ApiKeyError(`SSM parameter "${ref.ssm}" cannot be read: no SSM resolver configured`));
      return this.secrets.resolveParameter(ref.ssm);
    }
    return this.secrets.resolve(ref.secret);
  }
}

/** A stable string naming a reference (not its value): used as a cache key. */
export function apiKeyRefKey(ref: ApiKeyRef): string {
  if ('none' in ref) return 'none';
  if ('env' in ref) return `env:${ref.env}`;
  if ('ssm' in ref) return `ssm:${ref.ssm}`;
  return `secret:${ref.secret}`;
}
