import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { SecretRef } from '../config/kafka-security.js';
import { toError } from '../errors/index.js';
import type { SecretResolver } from '../llm/api-key.js';
import { SecretUnavailableError } from './errors.js';

/** Reads values the configuration only references (`{secret}`, `{ssm}`, `{env}`). */
export interface SecretStore {
  get(ref: SecretRef): Promise<string>;
}

export interface AwsSecretStoreOptions {
  region: string;
  /** Secrets Manager and SSM endpoint (LocalStack); the SDK's resolution when absent. */
  endpoint?: string | undefined;
  /** Reuse of a read value by this container, seconds (Powertools' cache). */
  maxAgeSeconds: number;
  env?: NodeJS.ProcessEnv;
}

/** `secret:name`, `ssm:name`, `env:NAME`: how errors and caches name a reference. */
export function secretRefName(ref: SecretRef): string {
  if ('secret' in ref) return `secret:${ref.secret}`;
  if ('ssm' in ref) return `ssm:${ref.ssm}`;
  return `env:${ref.env}`;
}

// Every network call has a timeout: a secret read fails in seconds, and the invocation retries.
const requestHandler = { requestTimeout: 5_000, connectionTimeout: 2_000 };

/**
 * Secrets Manager and SSM through Powertools Parameters (one provider each per container, values
 * cached for `maxAgeSeconds`), and the environment.
 */
export function createAwsSecretStore(opts: AwsSecretStoreOptions): SecretStore {
  const env = opts.env ?? process.env;
  const clientConfig = { region: opts.region, requestHandler, ...(opts.endpoint ? { endpoint: opts.endpoint } : {}) };
  // The providers (and their SDK clients) load on first use: a function without secrets never
  // pays for them at cold start.
  let secrets: Promise<SecretsProvider> | undefined;
  let ssm: Promise<SSMProvider> | undefined;
  const read = async (ref: SecretRef): Promise<string | Uint8Array | undefined> => {
    if ('env' in ref) return env[ref.env];
    if ('secret' in ref) {
      secrets ??= import('@aws-lambda-powertools/parameters/secrets').then((m) => new m.SecretsProvider({ clientConfig }));
      return (await secrets).get(ref.secret, { maxAge: opts.maxAgeSeconds });
    }
    ssm ??= import('@aws-lambda-powertools/parameters/ssm').then((m) => new m.SSMProvider({ clientConfig }));
    return (await ssm).get(ref.ssm, { decrypt: true, maxAge: opts.maxAgeSeconds });
  };
  return {
    async get(ref) {
      let value: string | Uint8Array | undefined;
      try {
        value = await read(ref);
      } catch (err: unknown) {
        // Powertools wraps the SDK's error (GetParameterError): name the AWS error itself.
        const e = toError(err);
        const inner = e.cause instanceof Error ? e.cause : e;
        throw new SecretUnavailableError(secretRefName(ref), `cannot be read (${inner.name}: ${inner.message})`, { cause: err });
      }
      if (value === undefined || value.length === 0) throw new SecretUnavailableError(secretRefName(ref), 'is not set or empty');
      return typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
    },
  };
}

/** The {@link SecretResolver} of the model API keys (`api_key: {secret}` / `{ssm}`) on a store. */
export function apiKeySecretResolver(store: SecretStore): SecretResolver {
  return {
    resolve: (name) => store.get({ secret: name }),
    resolveParameter: (name) => store.get({ ssm: name }),
  };
}
