import { describe, expect, it } from 'vitest';
import { planStage } from '../../../lib/deploy/plan.js';
import { resolveStage, StageRefusedError } from '../../../lib/deploy/stage.js';
import type { StageInput } from '../../../lib/deploy/stage.js';

const PROD = {
  bootstrapServers: 'kafka-1.internal.example.com:9096',
  subnets: 'subnet-0a1b2c3d4e5f60718',
  securityGroups: 'sg-0a1b2c3d4e5f60718',
  config: 'config/agentsched.example-kafka.yaml',
};

function input(stage: string, params: StageInput['params']): StageInput {
  return { stage, service: 'agentsched', params, serviceDir: process.cwd() };
}

function problems(stage: string, params: StageInput['params']): string[] {
  try {
    resolveStage(input(stage, params));
  } catch (err) {
    if (err instanceof StageRefusedError) return err.problems;
    throw err;
  }
  throw new Error('expected the stage to be refused');
}

describe('Deploy stages (lib/deploy/stage)', () => {
  it('local packages with the LocalStack config and no VPC', () => {
    const plan = planStage(input('local', { bootstrapServers: 'redpanda:29092', config: 'config/agentsched.local.yaml' }));
    expect(plan).toMatchObject({ stage: 'local', configFile: 'config/agentsched.local.yaml', brokers: 'redpanda:29092', vpc: null, deletionProtection: false });
  });

  it('another stage lists everything missing at once', () => {
    expect(problems('staging', {})).toEqual([
      'missing parameters bootstrapServers, subnets, securityGroups (--param="name=value" or params.staging in serverless.yml)',
      'config file config/agentsched.staging.yaml does not exist (parameter config names another)',
    ]);
  });

  it('a complete self-managed stage plans its VPC and keeps the earlier parameter names working', () => {
    const plan = planStage(input('prod', { ...PROD, subnets: undefined, securityGroups: undefined, subnet: 'subnet-0a1b2c3d4e5f60718', securityGroup: 'sg-0a1b2c3d4e5f60718' }));
    expect(plan.vpc).toEqual({ subnetIds: ['subnet-0a1b2c3d4e5f60718'], securityGroupIds: ['sg-0a1b2c3d4e5f60718'] });
    expect(plan.deletionProtection).toBe(true);
  });

  it('MSK IAM needs an MSK cluster; secrets the mappings read must be ARNs; the poller parameters are gone', () => {
    expect(problems('prod', { ...PROD, config: 'config/agentsched.example.yaml' })).toContain('kafka.security.auth msk_iam needs parameter mskClusterArn (MSK IAM exists only on MSK)');
    expect(problems('prod', { ...PROD, mskClusterArn: 'arn:aws:kafka:us-east-1:123:cluster/x' })).toContain('parameter mskClusterArn is not an MSK cluster ARN ("arn:aws:kafka:us-east-1:123:cluster/x")');
    expect(problems('prod', { ...PROD, maxPollers: 5 })).toContain('parameter maxPollers is gone: the poller bounds are scaling.min / scaling.max of the config file');
    expect(problems('prod', { ...PROD, config: 'agentsched.yaml' }).join('\n')).toContain('have loopback endpoints');
  });

  it('a config file outside the service directory or invalid is refused with the reason', () => {
    expect(problems('prod', { ...PROD, config: '../elsewhere.yaml' })).toEqual(['config file ../elsewhere.yaml must be inside the service directory (it is packaged)']);
    expect(problems('prod', { ...PROD, config: 'package.json' })[0]).toBe('config file invalid: package.json: models: Invalid input: expected array, received undefined');
  });
});
