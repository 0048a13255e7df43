import { assertServicesReachable, serviceEnv } from './support/services.js';

/** Integration tests need the real broker and table; they fail here, with how to start them. */
export default async function setup(): Promise<void> {
  const env = serviceEnv();
  await assertServicesReachable(env);
  process.env['KAFKA_BROKERS'] = env.kafkaBrokers.join(',');
  process.env['DYNAMODB_ENDPOINT'] = env.dynamodbEndpoint;
}
