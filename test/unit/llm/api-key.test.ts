import { describe, expect, it } from 'vitest';
import { ApiKeyResolver, envSecretResolver, NO_API_KEY, secretEnvName } from '../../../lib/llm/api-key.js';
import type { SecretResolver } from '../../../lib/llm/api-key.js';
import { ApiKeyError } from '../../../lib/llm/errors.js';

describe('ApiKeyResolver', () => {
  it('sends EMPTY to endpoints that need no key', async () => {
    await expect(new ApiKeyResolver({ env: {} }).resolve({ none: true })).resolves.toBe(NO_API_KEY);
  });

  it('reads {env} references from the environment', async () => {
    const resolver = new ApiKeyResolver({ env: { OPENAI_API_KEY: 'sk-test-value-1' } });
    await expect(resolver.resolve({ env: 'OPENAI_API_KEY' })).resolves.toBe('sk-test-value-1');
  });

  it('names the missing variable but never a value', async () => {
    const resolver = new ApiKeyResolver({ env: {} });
    const err = await resolver.resolve({ env: 'MISSING_KEY' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiKeyError);
    expect(err).toMatchObject({ code: 'api_key_unavailable', retryable: false });
    expect((err as Error).message).toContain('MISSING_KEY');
  });

  it('resolves {secret} references through the injected SecretResolver, once per name', async () => {
    const asked: string[] = [];
    const secrets: SecretResolver = {
      resolve: (name) => {
        asked.push(name);
        return Promise.resolve(`value-of-${name}`);
      },
    };
    const resolver = new ApiKeyResolver({ secrets, env: {} });
    const [a, b] = await Promise.all([resolver.resolve({ secret: 'prod/openai' }), resolver.resolve({ secret: 'prod/openai' })]);
    expect([a, b]).toEqual(['value-of-prod/openai', 'value-of-prod/openai']);
    await resolver.resolve({ secret: 'prod/openai' });
    expect(asked).toEqual(['prod/openai']);
  });

  it('does not cache a failed lookup, so a fixed environment is picked up', async () => {
    const env: NodeJS.ProcessEnv = {};
    const resolver = new ApiKeyResolver({ env });
    await expect(resolver.resolve({ env: 'LATE_KEY' })).rejects.toThrow(ApiKeyError);
    env['LATE_KEY'] = 'now-set-value';
    await expect(resolver.resolve({ env: 'LATE_KEY' })).resolves.toBe('now-set-value');
  });

  it('defaults {secret} to AGENTSCHED_SECRET_<NORMALIZED_NAME> variables', async () => {
    const env = { AGENTSCHED_SECRET_PROD_OPENAI_KEY: 'from-env-secret' };
    const resolver = new ApiKeyResolver({ env });
    await expect(resolver.resolve({ secret: 'prod/openai-key' })).resolves.toBe('from-env-secret');
  });
});

describe('secretEnvName / envSecretResolver', () => {
  it('upper-cases and replaces every non-alphanumeric character', () => {
    expect(secretEnvName('prod/openai-key')).toBe('AGENTSCHED_SECRET_PROD_OPENAI_KEY');
    expect(secretEnvName('arn:aws:secretsmanager:us-east-1:123:secret:k-AbC')).toBe(
      'AGENTSCHED_SECRET_ARN_AWS_SECRETSMANAGER_US_EAST_1_123_SECRET_K_ABC',
    );
  });

  it('tells which variable to set when the secret is absent', async () => {
    await expect(envSecretResolver({}).resolve('x/y')).rejects.toThrow('AGENTSCHED_SECRET_X_Y');
  });
});
