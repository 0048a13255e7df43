import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/errors/index.js';
import { readAutoscaleEnv } from '../../../lib/scaling/env.js';

describe('readAutoscaleEnv', () => {
  it('reads the schedule function name and defaults to leaving on-demand mappings alone', () => {
    expect(readAutoscaleEnv({ SCHEDULE_FUNCTION_NAME: 'agentsched-prod-schedule' })).toEqual({
      functionName: 'agentsched-prod-schedule',
      onDemand: 'skip',
    });
    expect(readAutoscaleEnv({ SCHEDULE_FUNCTION_NAME: 'f', AUTOSCALE_ON_DEMAND: 'adopt' }).onDemand).toBe('adopt');
  });

  it('fails at cold start naming the variable that is missing or wrong', () => {
    expect(() => readAutoscaleEnv({})).toThrow(ConfigError);
    expect(() => readAutoscaleEnv({})).toThrow(/SCHEDULE_FUNCTION_NAME/);
    expect(() => readAutoscaleEnv({ SCHEDULE_FUNCTION_NAME: 'f', AUTOSCALE_ON_DEMAND: 'yes' })).toThrow(/AUTOSCALE_ON_DEMAND/);
  });
});
