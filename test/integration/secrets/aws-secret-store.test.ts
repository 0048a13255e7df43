import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelConfigSchema } from '../../../lib/config/schema.js';
import { ApiKeyResolver, callModel, LlmClientPool } from '../../../lib/llm/index.js';
import { apiKeySecretResolver, createAwsSecretStore } from '../../../lib/secrets/store.js';
import { SecretUnavailableError } from '../../../lib/secrets/errors.js';
import { startSimServer } from '../../../lib/sim/server.js';
import type { SimServer } from '../../../lib/sim/server.js';

/**
 * Secrets Manager and SSM on loopback, as far as GetSecretValue and GetParameter go (the AWS
 * JSON 1.1 protocol: POST /, `X-Amz-Target`), counting requests so the container cache shows.
 */
async function startFakeAws(secrets: Record<string, string>, parameters: Record<string, string>) {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { SecretId?: string; Name?: string; WithDecryption?: boolean };
      calls.push(`${target} ${body.SecretId ?? body.Name ?? ''}${body.WithDecryption ? ' decrypt' : ''}`);
      const send = (status: number, payload: unknown, type?: string): void => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(type ? { 'x-amzn-errortype': type } : {}) });
        res.end(JSON.stringify(payload));
      };
      if (target === 'secretsmanager.GetSecretValue' && body.SecretId && secrets[body.SecretId] !== undefined) {
        send(200, { ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${body.SecretId}-AbCdEf`, Name: body.SecretId, SecretString: secrets[body.SecretId], VersionId: 'v1' });
      } else if (target === 'AmazonSSM.GetParameter' && body.Name && parameters[body.Name] !== undefined) {
        send(200, { Parameter: { Name: body.Name, Type: 'SecureString', Value: parameters[body.Name], Version: 1 } });
      } else {
        const type = target.startsWith('AmazonSSM') ? 'ParameterNotFound' : 'ResourceNotFoundException';
        send(400, { __type: type, message: 'not found' }, type);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let aws: Awaited<ReturnType<typeof startFakeAws>>;
let sim: SimServer;
const saved = { ...process.env };
beforeAll(async () => {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
  aws = await startFakeAws({ 'agentsched/openai': 'sk-from-secrets-manager' }, { '/agentsched/vllm-key': 'key-from-ssm' });
  sim = await startSimServer({ port: 0, apiKey: 'key-from-ssm', models: [{ id: 'm1', capacity: 2, latencyMs: 5, perTokenMs: 0 }] });
});
afterAll(async () => {
  process.env = saved;
  await sim.close();
  await aws.close();
});

describe('Secrets through Powertools Parameters (Secrets Manager, SSM)', () => {
  it('reads a secret and a SecureString parameter (decrypted) once per container, then from the cache', async () => {
    const store = createAwsSecretStore({ region: 'us-east-1', endpoint: aws.url, maxAgeSeconds: 300, env: {} });
    const before = aws.calls.length;
    await expect(store.get({ secret: 'agentsched/openai' })).resolves.toBe('sk-from-secrets-manager');
    await expect(store.get({ ssm: '/agentsched/vllm-key' })).resolves.toBe('key-from-ssm');
    await expect(store.get({ secret: 'agentsched/openai' })).resolves.toBe('sk-from-secrets-manager');
    await expect(store.get({ ssm: '/agentsched/vllm-key' })).resolves.toBe('key-from-ssm');
    expect(aws.calls.slice(before)).toEqual(['secretsmanager.GetSecretValue agentsched/openai', 'AmazonSSM.GetParameter /agentsched/vllm-key decrypt']);
  });

  it('a missing secret is a retryable SecretUnavailableError naming the reference; an empty env variable too', async () => {
    const store = createAwsSecretStore({ region: 'us-east-1', endpoint: aws.url, maxAgeSeconds: 300, env: { EMPTY: '' } });
    const missing = await store.get({ secret: 'nope' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(SecretUnavailableError);
    expect((missing as SecretUnavailableError).message).toMatch(/^secret:nope: cannot be read \(ResourceNotFoundException/);
    expect((missing as SecretUnavailableError).retryable).toBe(true);
    await expect(store.get({ env: 'EMPTY' })).rejects.toThrow('env:EMPTY: is not set or empty');
  });

  it('api_key {ssm} reaches the model as the bearer token; {secret} and {env} resolve too', async () => {
    const store = createAwsSecretStore({ region: 'us-east-1', endpoint: aws.url, maxAgeSeconds: 300, env: {} });
    const apiKeys = new ApiKeyResolver({ secrets: apiKeySecretResolver(store), env: { OPENAI_KEY: 'from-env' } });
    await expect(apiKeys.resolve({ secret: 'agentsched/openai' })).resolves.toBe('sk-from-secrets-manager');
    await expect(apiKeys.resolve({ env: 'OPENAI_KEY' })).resolves.toBe('from-env');
    const model = ModelConfigSchema.parse({ id: 'm1', endpoint: sim.url, supported_tasks: ['text_generation'], capacity: 2, api_key: { ssm: '/agentsched/vllm-key' } });
    const pool = new LlmClientPool({ models: [model], apiKeys });
    try {
      const result = await callModel(pool, model, { content: 'hi' }, { timeoutMs: 5_000 });
      expect(result.content.length).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });
});
