import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../lib/config/load.js';
import { listZip, packageStage, PROD_PARAMS } from './support.js';
import type { Resource, Template } from './support.js';

const run = promisify(execFile);

type Statement = { Effect: string; Action: string[]; Resource: unknown };

function statements(role: Resource): Statement[] {
  return (role.Properties['Policies'] as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
}
function resources(s: Statement): unknown[] {
  return Array.isArray(s.Resource) ? s.Resource : [s.Resource];
}
function actionsOf(role: Resource): string[] {
  return statements(role).flatMap((s) => s.Action);
}
function ofType(t: Template, type: string): [string, Resource][] {
  return Object.entries(t.Resources).filter(([, r]) => r.Type === type);
}

const FUNCTIONS = ['Schedule', 'Call', 'Reaper', 'Autoscale'];

describe('serverless package for a production-like stage (MSK, IAM auth)', () => {
  let t: Template;
  let dir: string;
  beforeAll(async () => {
    await run('npx', ['tsx', 'scripts/build.ts']);
    ({ template: t, dir } = await packageStage('prod', [...PROD_PARAMS, 'config=config/agentsched.example.yaml', 'alarmTopicArn=arn:aws:sns:us-east-1:123456789012:agentsched-alarms']));
  });

  it('one MSK event source mapping per priority topic, IAM auth (no access configurations), the config\'s poller bounds', () => {
    const config = loadConfig('config/agentsched.example.yaml', {});
    const mappings = ofType(t, 'AWS::Lambda::EventSourceMapping').map(([, r]) => r.Properties);
    expect(mappings.map((m) => (m['Topics'] as string[])[0]).sort()).toEqual(['high_priority', 'low_priority', 'medium_priority']);
    for (const m of mappings) {
      expect(m['EventSourceArn']).toBe(PROD_PARAMS.find((p) => p.startsWith('mskClusterArn='))!.slice('mskClusterArn='.length));
      expect(m['FunctionName']).toEqual({ 'Fn::GetAtt': ['ScheduleLambdaFunction', 'Arn'] });
      expect(m).not.toHaveProperty('SourceAccessConfigurations');
      expect(m).not.toHaveProperty('SelfManagedEventSource');
      expect(m['MaximumBatchingWindowInSeconds']).toBe(0);
      expect(m['ProvisionedPollerConfig']).toEqual({ MinimumPollers: config.scaling.min, MaximumPollers: config.scaling.max });
    }
    expect(mappings.map((m) => (m['AmazonManagedKafkaEventSourceConfig'] as { ConsumerGroupId: string }).ConsumerGroupId).sort()).toEqual(['agentsched-high', 'agentsched-low', 'agentsched-medium']);
  });

  it('every function runs in the stage\'s VPC', () => {
    for (const fn of FUNCTIONS) {
      expect(t.Resources[`${fn}LambdaFunction`]!.Properties['VpcConfig']).toEqual({
        SubnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0b1c2d3e4f5a60718'],
        SecurityGroupIds: ['sg-0a1b2c3d4e5f60718'],
      });
    }
  });

  it('one role per function, only its actions, "*" only where IAM has no resource, partition-aware ARNs', () => {
    const roles = FUNCTIONS.map((fn) => t.Resources[`${fn}LambdaFunction`]!.Properties['Role']);
    expect(new Set(roles.map((r) => JSON.stringify(r))).size).toBe(4);
    expect(ofType(t, 'AWS::IAM::Role').map(([id]) => id).sort()).toEqual(['AutoscaleRole', 'CallRole', 'ReaperRole', 'ScheduleRole']);
    for (const [id, role] of ofType(t, 'AWS::IAM::Role')) {
      for (const s of statements(role)) {
        for (const r of resources(s)) {
          if (r === '*') expect(s.Action.every((a) => a.startsWith('ec2:') || a === 'lambda:ListEventSourceMappings'), `${id}: ${s.Action.join(',')} on *`).toBe(true);
          else if (typeof r === 'string') throw new Error(`${id}: literal ARN ${r}`);
          else if ('Fn::Sub' in (r as object)) {
            const arn = (r as { 'Fn::Sub': string })['Fn::Sub'];
            if (arn.startsWith('arn:')) expect(arn, id).toMatch(/^arn:\$\{AWS::Partition\}:/);
          }
        }
      }
      expect(actionsOf(role), id).not.toContain('dynamodb:DeleteItem');
    }
    const schedule = t.Resources['ScheduleRole']!;
    const autoscale = t.Resources['AutoscaleRole']!;
    expect(actionsOf(autoscale)).toContain('lambda:UpdateEventSourceMapping');
    for (const id of ['ScheduleRole', 'CallRole', 'ReaperRole']) {
      expect(actionsOf(t.Resources[id]!)).not.toContain('lambda:UpdateEventSourceMapping');
      expect(actionsOf(t.Resources[id]!)).toContain('lambda:InvokeFunction');
    }
    // The autoscaler may change exactly the three mappings of this stack.
    const update = statements(autoscale).find((s) => s.Action.includes('lambda:UpdateEventSourceMapping'))!;
    expect(resources(update).map((r) => (r as { 'Fn::Sub': string })['Fn::Sub'])).toEqual(
      ['MappingHigh', 'MappingMedium', 'MappingLow'].map((m) => `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:event-source-mapping:\${${m}}`),
    );
    expect(actionsOf(autoscale).filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Scan']);
    // MSK IAM: the mappings read with the schedule role; only call reads the model API keys.
    expect(actionsOf(schedule)).toEqual(expect.arrayContaining(['kafka-cluster:Connect', 'kafka-cluster:ReadData', 'kafka-cluster:AlterGroup', 'kafka:GetBootstrapBrokers']));
    expect(actionsOf(t.Resources['CallRole']!)).toEqual(expect.arrayContaining(['kafka-cluster:WriteData', 'secretsmanager:GetSecretValue', 'ssm:GetParameter']));
    expect(actionsOf(schedule)).not.toContain('secretsmanager:GetSecretValue');
    const secret = statements(t.Resources['CallRole']!).find((s) => s.Action.includes('secretsmanager:GetSecretValue'))!;
    expect(resources(secret)).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:agentsched/openai-??????' }]);
  });

  it('both tables: point-in-time recovery, Retain on delete and replace, deletion protection; TTL on the queue; log groups with retention', () => {
    const tables = ofType(t, 'AWS::DynamoDB::Table');
    expect(tables.map(([id]) => id).sort()).toEqual(['CapacityTable', 'QueueTable']);
    for (const [, table] of tables) {
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
      expect(table.Properties['PointInTimeRecoverySpecification']).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(table.Properties['DeletionProtectionEnabled']).toBe(true);
    }
    expect(t.Resources['QueueTable']!.Properties['TimeToLiveSpecification']).toEqual({ AttributeName: 'ttl', Enabled: true });
    const groups = ofType(t, 'AWS::Logs::LogGroup');
    expect(groups).toHaveLength(4);
    for (const [, g] of groups) expect(g.Properties['RetentionInDays']).toBe(30);
  });

  it('a dashboard and five alarms, notifying the SNS topic parameter', () => {
    const [[, dashboard]] = ofType(t, 'AWS::CloudWatch::Dashboard') as [[string, Resource]];
    const body = (dashboard.Properties['DashboardBody'] as { 'Fn::Sub': string })['Fn::Sub'];
    const titles = (JSON.parse(body) as { widgets: { properties: { title: string } }[] }).widgets.map((w) => w.properties.title);
    expect(titles).toEqual(expect.arrayContaining(['admitted per priority', 'dead_lettered per priority', 'queue wait p50 / p99 (ms)', 'model latency p50 / p99 (ms)', 'fleet utilization per model (%)', 'waiting requests per priority', 'consumer lag per topic']));
    const alarms = ofType(t, 'AWS::CloudWatch::Alarm');
    expect(alarms.map(([id]) => id).sort()).toEqual(['AlarmDeadLetters', 'AlarmFailedRatio', 'AlarmLag', 'AlarmUtilizationPinned', 'AlarmWaitingAge']);
    for (const [, a] of alarms) expect(a.Properties['AlarmActions']).toEqual(['arn:aws:sns:us-east-1:123456789012:agentsched-alarms']);
  });

  it('call: async invokes without platform retries, events dropped after 60 s', () => {
    const [[, conf]] = ofType(t, 'AWS::Lambda::EventInvokeConfig') as [[string, Resource]];
    expect(conf.Properties).toMatchObject({ FunctionName: { Ref: 'CallLambdaFunction' }, MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
  });

  it('one zip per function: its minified entry, the chunks and the stage\'s config file, no source maps', async () => {
    for (const fn of ['schedule', 'call', 'reaper', 'autoscale']) {
      const entries = await listZip(join(dir, `${fn}.zip`));
      const chunks = entries.filter((e) => e.startsWith('dist/chunks/'));
      expect(chunks.length).toBeGreaterThan(0);
      expect(chunks.every((c) => c.endsWith('.mjs'))).toBe(true);
      expect(entries.filter((e) => !chunks.includes(e)).sort()).toEqual(['config/agentsched.example.yaml', `dist/${fn}.mjs`]);
      expect(t.Resources[`${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`]!.Properties['Environment']).toMatchObject({ Variables: { AGENTSCHED_CONFIG: 'config/agentsched.example.yaml' } });
    }
    expect(readFileSync('dist/schedule.mjs', 'utf8')).not.toContain('sourceMappingURL');
    // Minified: the largest chunk has (almost) no line breaks.
    const largest = readdirSync('dist/chunks').map((f) => readFileSync(join('dist/chunks', f), 'utf8')).sort((a, b) => b.length - a.length)[0]!;
    expect(largest.split('\n').length).toBeLessThan(largest.length / 1_000);
  });
});

describe('serverless package for a self-managed Kafka stage (SASL/SCRAM-512)', () => {
  it('mappings carry the bootstrap servers, the VPC and the SCRAM secret; every role may read exactly that secret', async () => {
    const { template: t } = await packageStage('prod', [...PROD_PARAMS.filter((p) => !p.startsWith('mskClusterArn=')), 'config=config/agentsched.example-kafka.yaml']);
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:agentsched/kafka-scram-AbCdEf';
    for (const [, m] of ofType(t, 'AWS::Lambda::EventSourceMapping')) {
      expect(m.Properties['SelfManagedEventSource']).toEqual({ Endpoints: { KafkaBootstrapServers: PROD_PARAMS[0]!.slice('bootstrapServers='.length).split(',') } });
      expect(m.Properties['SourceAccessConfigurations']).toEqual([
        { Type: 'VPC_SUBNET', URI: 'subnet:subnet-0a1b2c3d4e5f60718' },
        { Type: 'VPC_SUBNET', URI: 'subnet:subnet-0b1c2d3e4f5a60718' },
        { Type: 'VPC_SECURITY_GROUP', URI: 'security_group:sg-0a1b2c3d4e5f60718' },
        { Type: 'SASL_SCRAM_512_AUTH', URI: arn },
      ]);
      expect(m.Properties['ProvisionedPollerConfig']).toEqual({ MinimumPollers: 2, MaximumPollers: 6 });
    }
    for (const [id, role] of ofType(t, 'AWS::IAM::Role')) {
      const read = statements(role).find((s) => s.Action.includes('secretsmanager:GetSecretValue'));
      expect(read && resources(read), id).toEqual([arn]);
      expect(actionsOf(role).some((a) => a.startsWith('kafka')), id).toBe(false);
    }
  });
});

describe('serverless package refuses a stage other than local without its settings', () => {
  it('names every missing parameter and the missing config file in one message', async () => {
    const err = await packageStage('prod', []).catch((e: unknown) => e as Error & { stderr?: string; stdout?: string });
    expect(err).toBeInstanceOf(Error);
    const text = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
    expect(text).toContain('Stage "prod" cannot be packaged: missing parameters bootstrapServers, subnets, securityGroups');
    expect(text).toContain('config file config/agentsched.prod.yaml does not exist');
    expect(text).not.toMatch(/\n\s+at /);
  });

  it('refuses the old placeholders and the demo configuration (loopback models and brokers)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'agentsched-refused-'));
    const err = await packageStage('prod', ['bootstrapServers=127.0.0.1:19092', 'subnet=subnet-00000000', 'securityGroup=sg-00000000', 'config=agentsched.yaml'], out).catch((e: unknown) => e as Error);
    const text = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
    expect(text).toContain('subnets subnet-00000000 are not subnet ids');
    expect(text).toContain('securityGroups sg-00000000 are not security group ids');
    expect(text).toContain('models gpt-3.5, gpt-4-turbo, gpt-4-o have loopback endpoints');
    expect(text).toContain('bootstrapServers names local brokers (127.0.0.1:19092)');
  });
});
