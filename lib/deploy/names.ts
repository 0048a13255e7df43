import type { Stage } from './stage.js';

export const FUNCTIONS = ['schedule', 'call', 'reaper', 'autoscale'] as const;
export type FunctionKey = (typeof FUNCTIONS)[number];

/** `agentsched-prod-call`: the deployed function name (serverless' default naming). */
export function functionName(stage: Stage, fn: FunctionKey): string {
  return `${stage.service}-${stage.stage}-${fn}`;
}

/** `ScheduleRole`, `CallRole`, …: logical ids of the generated roles (serverless.yml `role:`). */
export function roleId(fn: FunctionKey): string {
  return `${fn[0]!.toUpperCase()}${fn.slice(1)}Role`;
}

/** Serverless' logical id of a function (`ScheduleLambdaFunction`). */
export function lambdaId(fn: FunctionKey): string {
  return `${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`;
}

export const PRIORITY_IDS = { high: 'MappingHigh', medium: 'MappingMedium', low: 'MappingLow' } as const;

/** The consumer group of a priority's mapping (lib/scaling reads it back from the mapping). */
export function consumerGroup(priority: string): string {
  return `agentsched-${priority}`;
}
