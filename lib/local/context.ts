import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** A Lambda-like `Context` for a local invocation of `functionName` that must end by `deadline` (epoch ms). */
export function lambdaContext(functionName: string, deadline: number, now: () => number = Date.now, memoryMb = 1024): Context {
  const noop = (): void => undefined;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: noop,
    fail: noop,
    succeed: noop,
  };
}
