import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HttpDynamoWire } from './dynamo-http.js';
import { attachWire } from './dynamo-wire.js';

/** How stores reach the table: `lean` (signed JSON over a keep-alive pool, default) or the AWS SDK. */
export type DynamoWireKind = 'lean' | 'sdk';

export interface DynamoClientOptions {
  /** DynamoDB Local, dynalite or LocalStack; absent for AWS. */
  endpoint?: string | undefined;
  region: string;
  /** Per-attempt limit for one request (default 3 s); retries each get their own. */
  requestTimeoutMs?: number;
  /** Limit for opening a connection (default 1 s). */
  connectionTimeoutMs?: number;
  /** The stores' transport (default `lean`; see `dynamo-http.ts` for why). */
  client?: DynamoWireKind | undefined;
}

/**
 * A DynamoDB client. With an endpoint (a local emulator) it uses static dummy credentials
 * `local/local`, so DynamoDB Local and dynalite work on a machine without any AWS configuration;
 * without one, the SDK's default credential chain (the Lambda role in production).
 *
 * Table administration goes through the SDK client; the stores' item operations go through the
 * wire attached to it (`wireFor`), the lean one unless `client: 'sdk'`. Destroying the client
 * closes both.
 *
 * Every request has a timeout (the SDK has none by default): a table that stops answering fails
 * the call with a retryable error instead of hanging its caller.
 */
export function createDynamoClient(opts: DynamoClientOptions): DynamoDBClient {
  const connectionTimeout = opts.connectionTimeoutMs ?? 1_000;
  const requestTimeout = opts.requestTimeoutMs ?? 3_000;
  const requestHandler = { connectionTimeout, requestTimeout, throwOnRequestTimeout: true };
  const client = opts.endpoint
    ? new DynamoDBClient({ region: opts.region, endpoint: opts.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, requestHandler })
    : new DynamoDBClient({ region: opts.region, requestHandler });
  // The SDK's logger middleware builds a redacted copy of every input and output for a logger we
  // never set (profiled: ~6 % of the scheduler's CPU under load). Nothing here logs SDK traffic.
  client.middlewareStack.remove('loggerMiddleware');
  if ((opts.client ?? 'lean') === 'lean') {
    const wire = new HttpDynamoWire(client, { requestTimeoutMs: requestTimeout, connectionTimeoutMs: connectionTimeout });
    attachWire(client, wire);
    const destroy = client.destroy.bind(client);
    client.destroy = () => {
      wire.close();
      destroy();
    };
  }
  return client;
}
