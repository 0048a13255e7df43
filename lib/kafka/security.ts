import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import { z } from 'zod';
import type { KafkaSecurity, SecretRef } from '../config/kafka-security.js';
import { ConfigError } from '../errors/index.js';
import type { SecretStore } from '../secrets/store.js';
import { secretRefName } from '../secrets/store.js';

/** The part of kafkajs' client configuration that {@link kafkaSecurityOptions} decides. */
export interface KafkaSecurityOptions {
  ssl?: ConnectionOptions | boolean;
  sasl?: SASLOptions;
}

export interface KafkaSecurityDeps {
  secrets: SecretStore;
  /** Region for MSK IAM when `security.region` is not set. */
  region: string;
  /** An MSK IAM token for `region` (default: aws-msk-iam-sasl-signer-js with the default credential chain). */
  mskToken?: (region: string) => Promise<string>;
}

// The secret formats Lambda's Kafka event source mappings read
// (https://docs.aws.amazon.com/lambda/latest/dg/with-kafka-auth.html), so one secret serves both.
const ScramSecretSchema = z.object({ username: z.string().min(1), password: z.string().min(1) });
const ClientCertSecretSchema = z.object({
  certificate: z.string().min(1),
  privateKey: z.string().min(1),
  privateKeyPassword: z.string().optional(),
});
const CaSecretSchema = z.object({ certificate: z.string().min(1) });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function readJson<T>(secrets: SecretStore, ref: SecretRef, schema: z.ZodType<T>, shape: string): Promise<T> {
  const parsed = schema.safeParse(parseJson(await secrets.get(ref)));
  // The message names the reference and the expected shape, never the value.
  if (!parsed.success) throw new ConfigError(secretRefName(ref), '', `expected a JSON object ${shape}`);
  return parsed.data;
}

/** A CA bundle: raw PEM, or the `{"certificate": PEM}` JSON of Lambda's SERVER_ROOT_CA_CERTIFICATE secret. */
async function readCa(secrets: SecretStore, ref: SecretRef | undefined): Promise<string[] | undefined> {
  if (!ref) return undefined;
  const text = await secrets.get(ref);
  const json = CaSecretSchema.safeParse(parseJson(text));
  return [json.success ? json.data.certificate : text];
}

function tlsOptions(ca: string[] | undefined, serverName: string | undefined, extra: ConnectionOptions = {}): ConnectionOptions | true {
  const opts: ConnectionOptions = { ...extra, ...(ca ? { ca } : {}), ...(serverName ? { servername: serverName } : {}) };
  return Object.keys(opts).length === 0 ? true : opts;
}

// Loaded on first use: only MSK IAM stages pay for the signer and its credential providers.
const defaultMskToken = async (region: string): Promise<string> => {
  const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
  return (await generateAuthToken({ region })).token;
};

/**
 * `kafka.security` → kafkajs `ssl` / `sasl`. Secrets are read once here (at client creation):
 * a rotated SCRAM password or certificate reaches a container when it next starts.
 */
export async function kafkaSecurityOptions(security: KafkaSecurity, deps: KafkaSecurityDeps): Promise<KafkaSecurityOptions> {
  switch (security.auth) {
    case 'none':
      return {};
    case 'tls':
      return { ssl: tlsOptions(await readCa(deps.secrets, security.ca), security.server_name) };
    case 'mtls': {
      const cert = await readJson(deps.secrets, security.client_certificate, ClientCertSecretSchema, '{"certificate","privateKey","privateKeyPassword"?}');
      const extra: ConnectionOptions = { cert: cert.certificate, key: cert.privateKey, ...(cert.privateKeyPassword ? { passphrase: cert.privateKeyPassword } : {}) };
      return { ssl: tlsOptions(await readCa(deps.secrets, security.ca), security.server_name, extra) };
    }
    case 'sasl_scram_512': {
      const { username, password } = await readJson(deps.secrets, security.credentials, ScramSecretSchema, '{"username","password"}');
      const sasl: SASLOptions = { mechanism: 'scram-sha-512', username, password };
      if (!security.tls) return { sasl };
      return { ssl: tlsOptions(await readCa(deps.secrets, security.ca), security.server_name), sasl };
    }
    case 'msk_iam': {
      const region = security.region ?? deps.region;
      const token = deps.mskToken ?? defaultMskToken;
      // kafkajs asks for a token on every (re)authentication; the signer's tokens last 15 minutes.
      return { ssl: true, sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: await token(region) }) } };
    }
  }
}
