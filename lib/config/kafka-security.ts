import { z } from 'zod';

/**
 * A value kept outside the configuration: a Secrets Manager secret (name or ARN), an SSM
 * parameter (SecureString decrypted), or an environment variable. Resolved by lib/secrets.
 */
export const SecretRefSchema = z.union([
  z.object({ secret: z.string().min(1).describe('AWS Secrets Manager secret name or ARN') }).strict(),
  z.object({ ssm: z.string().min(1).describe('AWS SSM parameter name (SecureString is decrypted)') }).strict(),
  z.object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name') }).strict(),
]);
export type SecretRef = z.infer<typeof SecretRefSchema>;

const ca = SecretRefSchema.optional().describe('PEM of the CA that signed the brokers (default: the system CAs)');
const serverName = z.string().min(1).optional().describe('TLS server name, when it differs from the broker host');

/**
 * How every Kafka client of the functions (results producer, admin for lag) authenticates. The
 * secrets use the formats Lambda's event source mappings read, so one secret serves both:
 * SCRAM `{"username","password"}`, mTLS `{"certificate","privateKey","privateKeyPassword"?}`
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-kafka-auth.html).
 */
export const KafkaSecuritySchema = z.discriminatedUnion('auth', [
  z.object({ auth: z.literal('none') }).strict(),
  z.object({ auth: z.literal('tls'), ca, server_name: serverName }).strict(),
  z.object({ auth: z.literal('mtls'), client_certificate: SecretRefSchema, ca, server_name: serverName }).strict(),
  z
    .object({
      auth: z.literal('sasl_scram_512'),
      credentials: SecretRefSchema,
      /** SASL_SSL (MSK, most hosted Kafka) unless false (SASL_PLAINTEXT). */
      tls: z.boolean().default(true),
      ca,
      server_name: serverName,
    })
    .strict(),
  z
    .object({
      auth: z.literal('msk_iam'),
      /** Region of the cluster, signed into the token (default: `dynamodb.region`, i.e. AWS_REGION). */
      region: z.string().min(1).optional(),
    })
    .strict(),
]);
export type KafkaSecurity = z.infer<typeof KafkaSecuritySchema>;
export type KafkaAuth = KafkaSecurity['auth'];
