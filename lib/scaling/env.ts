import { ConfigError } from '../errors/index.js';

/** The autoscale function's settings that come from its environment (serverless.yml). */
export interface AutoscaleEnv {
  /** `SCHEDULE_FUNCTION_NAME`: the function whose Kafka mappings are sized. */
  functionName: string;
  /** `AUTOSCALE_ON_DEMAND`: `skip` (default) or `adopt` on-demand mappings. */
  onDemand: 'skip' | 'adopt';
}

/** Reads and checks the autoscale environment once, at cold start; errors name the variable. */
export function readAutoscaleEnv(env: Record<string, string | undefined> = process.env): AutoscaleEnv {
  const functionName = env['SCHEDULE_FUNCTION_NAME']?.trim();
  if (!functionName) throw new ConfigError('environment', 'SCHEDULE_FUNCTION_NAME', 'is not set (the schedule function name)');
  const onDemand = env['AUTOSCALE_ON_DEMAND']?.trim() || 'skip';
  if (onDemand !== 'skip' && onDemand !== 'adopt') {
    throw new ConfigError('environment', 'AUTOSCALE_ON_DEMAND', `must be "skip" or "adopt", got "${onDemand}"`);
  }
  return { functionName, onDemand };
}
