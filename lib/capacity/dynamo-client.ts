import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface DynamoClientOptions {
  /** DynamoDB Local, dynalite or LocalStack; absent for AWS. */
  endpoint?: string | undefined;
  region: string;
}

/**
 * A DynamoDB client. With an endpoint (a local emulator) it uses static dummy credentials
 * `local/local`, so DynamoDB Local and dynalite work on a machine without any AWS configuration;
 * without one, the SDK's default credential chain (the Lambda role in production).
 */
export function createDynamoClient(opts: DynamoClientOptions): DynamoDBClient {
  if (!opts.endpoint) return new DynamoDBClient({ region: opts.region });
  return new DynamoDBClient({
    region: opts.region,
    endpoint: opts.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}
