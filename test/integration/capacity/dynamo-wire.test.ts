import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../../lib/capacity/dynamo-client.js';
import type { DynamoWireKind } from '../../../lib/capacity/dynamo-client.js';
import { DynamoServiceError } from '../../../lib/capacity/dynamo-http.js';
import { TableIO } from '../../../lib/capacity/dynamo-io.js';
import { deleteCapacityTable, ensureCapacityTable } from '../../../lib/capacity/table.js';
import { wireFor } from '../../../lib/capacity/dynamo-wire.js';
import { serviceEnv, uniqueName } from '../support/services.js';

/**
 * The lean wire (`dynamo-http.ts`) against the AWS SDK client on DynamoDB Local: the same items
 * and the same condition failures through both; and the lean wire's own retries against a
 * loopback server that answers what DynamoDB answers under throttling and faults.
 */
describe.each<DynamoWireKind>(['lean', 'sdk'])('TableIO over the %s client on DynamoDB Local', (kind) => {
  const client = createDynamoClient({ endpoint: serviceEnv().dynamodbEndpoint, region: 'us-east-1', client: kind });
  const table = uniqueName('wire');
  let io: TableIO;
  beforeAll(async () => {
    await ensureCapacityTable(client, table);
    io = new TableIO(client, table);
  });
  afterAll(async () => {
    await deleteCapacityTable(client, table);
    client.destroy();
  });

  it('writes and reads back binary, numbers, lists and nested maps unchanged', async () => {
    const item = { pk: 'a', blob: new Uint8Array([0, 1, 2, 250, 255]), n: 42.5, list: [1, 'two', { three: 3 }], map: { deep: { ok: true } }, none: null };
    await io.put(item);
    const back = await io.get('a');
    expect(back).toEqual(item);
    const many = await io.getMany(['a', 'missing']);
    expect([...many.keys()]).toEqual(['a']);
  });

  it('returns a refused condition as a result, with the item as it was', async () => {
    await io.put({ pk: 'c', v: 1 });
    const refused = await io.update({
      Key: { pk: 'c' },
      UpdateExpression: 'SET #v = :two',
      ConditionExpression: '#v = :zero',
      ExpressionAttributeNames: { '#v': 'v' },
      ExpressionAttributeValues: { ':two': 2, ':zero': 0 },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(refused).toEqual({ ok: false, item: { pk: 'c', v: 1 } });
    const applied = await io.update({
      Key: { pk: 'c' },
      UpdateExpression: 'SET #v = :two',
      ExpressionAttributeNames: { '#v': 'v' },
      ExpressionAttributeValues: { ':two': 2 },
      ReturnValues: 'ALL_NEW',
    });
    expect(applied).toEqual({ ok: true, attributes: { pk: 'c', v: 2 } });
    expect(io.counters.conditionFailures).toBe(1);
  });

  it('names a missing table in a retryable infrastructure error', async () => {
    const missing = new TableIO(client, uniqueName('absent'), { missingHint: 'create it' });
    await expect(missing.get('x')).rejects.toMatchObject({ retryable: true, message: expect.stringContaining('create it') as unknown });
  });
});

describe('the lean wire against a loopback server', () => {
  let server: Server;
  let answers: ((req: IncomingMessage, res: ServerResponse) => void)[] = [];
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(String(req.headers['x-amz-target']));
      const next = answers.shift();
      if (next) next(req, res);
      else res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{"Item":{"pk":{"S":"k"}}}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const wireOn = () => {
    const { port } = server.address() as AddressInfo;
    const client = createDynamoClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', requestTimeoutMs: 300 });
    return { client, wire: wireFor(client) };
  };
  const reply = (status: number, body: object) => (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(body));
  };

  it('signs each request and retries throttling and 5xx answers', async () => {
    const { client, wire } = wireOn();
    let auth = '';
    answers = [
      (req, res) => {
        auth = String(req.headers['authorization']);
        reply(400, { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'slow down' })(req, res);
      },
      reply(500, { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'oops' }),
    ];
    seen.length = 0;
    const out = await wire.call('GetItem', { TableName: 't', Key: { pk: { S: 'k' } } });
    expect(out).toEqual({ Item: { pk: { S: 'k' } } });
    expect(seen).toEqual(['DynamoDB_20120810.GetItem', 'DynamoDB_20120810.GetItem', 'DynamoDB_20120810.GetItem']);
    expect(auth).toMatch(/^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/us-east-1\/dynamodb\/aws4_request/);
    client.destroy();
  });

  it('does not retry a refused condition, and names it as the SDK does', async () => {
    const { client, wire } = wireOn();
    answers = [reply(400, { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'no', Item: { pk: { S: 'k' } } })];
    seen.length = 0;
    const err = await wire.call('UpdateItem', { TableName: 't' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DynamoServiceError);
    expect(err).toMatchObject({ name: 'ConditionalCheckFailedException', Item: { pk: { S: 'k' } }, retryable: false });
    expect(seen).toHaveLength(1);
    client.destroy();
  });

  it('gives up after three attempts on a table that never answers', async () => {
    const { client, wire } = wireOn();
    const hang = (_req: IncomingMessage, _res: ServerResponse) => undefined;
    answers = [hang, hang, hang];
    seen.length = 0;
    const err = await wire.call('GetItem', { TableName: 't' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: expect.stringMatching(/^UND_ERR/) as unknown });
    expect(seen).toHaveLength(3);
    client.destroy();
    server.closeAllConnections();
  });
});
