import { describe, expect, it } from 'vitest';
import type { SecretRef } from '../../../lib/config/kafka-security.js';
import { parseConfig } from '../../../lib/config/load.js';
import { ConfigError } from '../../../lib/errors/index.js';
import { kafkaSecurityOptions } from '../../../lib/kafka/security.js';
import type { SecretStore } from '../../../lib/secrets/store.js';
import { secretRefName } from '../../../lib/secrets/store.js';
import { SecretUnavailableError } from '../../../lib/secrets/errors.js';

const model = { id: 'm1', endpoint: 'https://models.example.com/v1', supported_tasks: ['text_generation'], capacity: 2 };
const PEM_CA = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n';

/** Secrets by reference name (`secret:x`, `ssm:y`, `env:Z`); records what was read. */
function store(values: Record<string, string>): SecretStore & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    get(ref: SecretRef) {
      const name = secretRefName(ref);
      reads.push(name);
      const v = values[name];
      return v === undefined ? Promise.reject(new SecretUnavailableError(name, 'is not set or empty')) : Promise.resolve(v);
    },
  };
}

function security(doc: unknown) {
  return parseConfig({ models: [model], kafka: { security: doc } }, 'test.yaml').kafka.security;
}

describe('kafka.security → kafkajs options', () => {
  it('defaults to plaintext without SASL', async () => {
    const config = parseConfig({ models: [model] }, 'test.yaml');
    expect(config.kafka.security).toEqual({ auth: 'none' });
    await expect(kafkaSecurityOptions(config.kafka.security, { secrets: store({}), region: 'us-east-1' })).resolves.toEqual({});
  });

  it('plain TLS: system CAs, or a CA from Secrets Manager in Lambda\'s {"certificate"} format or raw PEM', async () => {
    await expect(kafkaSecurityOptions(security({ auth: 'tls' }), { secrets: store({}), region: 'us-east-1' })).resolves.toEqual({ ssl: true });
    const secrets = store({ 'secret:ca': JSON.stringify({ certificate: PEM_CA }), 'ssm:/ca': PEM_CA });
    await expect(kafkaSecurityOptions(security({ auth: 'tls', ca: { secret: 'ca' }, server_name: 'kafka.internal' }), { secrets, region: 'us-east-1' })).resolves.toEqual({
      ssl: { ca: [PEM_CA], servername: 'kafka.internal' },
    });
    await expect(kafkaSecurityOptions(security({ auth: 'tls', ca: { ssm: '/ca' } }), { secrets, region: 'us-east-1' })).resolves.toEqual({ ssl: { ca: [PEM_CA] } });
  });

  it('mTLS: certificate, key and passphrase from the secret Lambda\'s CLIENT_CERTIFICATE_TLS_AUTH reads', async () => {
    const secrets = store({ 'secret:cert': JSON.stringify({ certificate: 'CERT', privateKey: 'KEY', privateKeyPassword: 'pw' }) });
    await expect(kafkaSecurityOptions(security({ auth: 'mtls', client_certificate: { secret: 'cert' } }), { secrets, region: 'us-east-1' })).resolves.toEqual({
      ssl: { cert: 'CERT', key: 'KEY', passphrase: 'pw' },
    });
  });

  it('SCRAM-SHA-512: username and password from the secret, over TLS unless tls: false', async () => {
    const secrets = store({ 'secret:AmazonMSK_app': JSON.stringify({ username: 'app', password: 'pw' }) });
    const deps = { secrets, region: 'us-east-1' };
    await expect(kafkaSecurityOptions(security({ auth: 'sasl_scram_512', credentials: { secret: 'AmazonMSK_app' } }), deps)).resolves.toEqual({
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'app', password: 'pw' },
    });
    await expect(kafkaSecurityOptions(security({ auth: 'sasl_scram_512', credentials: { secret: 'AmazonMSK_app' }, tls: false }), deps)).resolves.toEqual({
      sasl: { mechanism: 'scram-sha-512', username: 'app', password: 'pw' },
    });
  });

  it('a secret of the wrong shape is a ConfigError naming the reference, never the value', async () => {
    const secrets = store({ 'secret:bad': JSON.stringify({ user: 'app', pass: 'hunter2' }) });
    const err = await kafkaSecurityOptions(security({ auth: 'sasl_scram_512', credentials: { secret: 'bad' } }), { secrets, region: 'us-east-1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('secret:bad');
    expect((err as Error).message).toContain('{"username","password"}');
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('a missing secret fails with the secret store\'s error (retryable: the next cold start tries again)', async () => {
    const err = await kafkaSecurityOptions(security({ auth: 'mtls', client_certificate: { env: 'KAFKA_CERT' } }), { secrets: store({}), region: 'us-east-1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretUnavailableError);
    expect((err as SecretUnavailableError).retryable).toBe(true);
  });

  it('MSK IAM: TLS + OAUTHBEARER, a token per authentication from the signer, in the configured region', async () => {
    const regions: string[] = [];
    const opts = await kafkaSecurityOptions(security({ auth: 'msk_iam', region: 'eu-west-1' }), {
      secrets: store({}),
      region: 'us-east-1',
      mskToken: (region) => {
        regions.push(region);
        return Promise.resolve(`token-${regions.length}`);
      },
    });
    expect(opts.ssl).toBe(true);
    expect(opts.sasl?.mechanism).toBe('oauthbearer');
    if (opts.sasl?.mechanism !== 'oauthbearer') throw new Error('unreachable');
    await expect(opts.sasl.oauthBearerProvider()).resolves.toEqual({ value: 'token-1' });
    await expect(opts.sasl.oauthBearerProvider()).resolves.toEqual({ value: 'token-2' });
    expect(regions).toEqual(['eu-west-1', 'eu-west-1']);
  });

  it('MSK IAM with the real signer: a SigV4-presigned kafka-cluster:Connect URL for the region, from the credential chain', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: '' });
    delete process.env['AWS_PROFILE'];
    try {
      const opts = await kafkaSecurityOptions(security({ auth: 'msk_iam' }), { secrets: store({}), region: 'us-west-2' });
      if (opts.sasl?.mechanism !== 'oauthbearer') throw new Error('expected oauthbearer');
      const { value } = await opts.sasl.oauthBearerProvider();
      const url = new URL(Buffer.from(value, 'base64url').toString('utf8'));
      expect(url.host).toBe('kafka.us-west-2.amazonaws.com');
      expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
      expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/us-west-2\/kafka-cluster\/aws4_request$/);
      expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      process.env = saved;
    }
  });

  it('the schema rejects an unknown auth and a SCRAM block without credentials, naming the key', () => {
    expect(() => security({ auth: 'kerberos' })).toThrow(/kafka\.security\.auth/);
    expect(() => security({ auth: 'sasl_scram_512' })).toThrow(/kafka\.security\.credentials/);
  });
});
