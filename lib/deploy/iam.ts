import type { SecretRef } from '../config/kafka-security.js';
import { PRIORITIES } from '../contracts/request.js';
import type { Cfn, Statement } from './cfn.js';
import { getAtt, lambdaRole, localArn, sub } from './cfn.js';
import type { FunctionKey } from './names.js';
import { consumerGroup, FUNCTIONS, functionName, PRIORITY_IDS, roleId } from './names.js';
import type { Stage } from './stage.js';

const allow = (Action: string[], Resource: Cfn): Statement => ({ Effect: 'Allow', Action, Resource });

function secretArn(name: string): Cfn {
  // A name matches the secret's ARN with Secrets Manager's random 6-character suffix.
  return name.startsWith('arn:') ? name : localArn('secretsmanager', `secret:${name}-??????`);
}

function parameterArn(name: string): Cfn {
  return name.startsWith('arn:') ? name : localArn('ssm', `parameter/${name.replace(/^\//, '')}`);
}

function refStatements(refs: readonly SecretRef[]): Statement[] {
  const secrets = refs.flatMap((r) => ('secret' in r ? [secretArn(r.secret)] : []));
  const params = refs.flatMap((r) => ('ssm' in r ? [parameterArn(r.ssm)] : []));
  return [
    ...(secrets.length > 0 ? [allow(['secretsmanager:GetSecretValue'], secrets)] : []),
    ...(params.length > 0 ? [allow(['ssm:GetParameter'], params)] : []),
  ];
}

function kafkaRefs(stage: Stage): SecretRef[] {
  const s = stage.config.kafka.security;
  if (s.auth === 'sasl_scram_512') return [s.credentials, ...(s.ca ? [s.ca] : [])];
  if (s.auth === 'mtls') return [s.client_certificate, ...(s.ca ? [s.ca] : [])];
  if (s.auth === 'tls' && s.ca) return [s.ca];
  return [];
}

/** The literal start of `reply_topic_pattern` (`^agent[._-]…` → `agent`): reply topics' ARN prefix. */
export function replyTopicPrefix(pattern: string): string {
  const m = /^\^([A-Za-z0-9_-]*)/.exec(pattern);
  return m?.[1] ?? '';
}

/** MSK IAM (kafka-cluster:*) statements, when the functions authenticate with IAM. */
function mskIam(stage: Stage, fn: FunctionKey): Statement[] {
  const msk = stage.msk;
  if (!msk || stage.config.kafka.security.auth !== 'msk_iam') return [];
  const base = `arn:\${AWS::Partition}:kafka:${msk.region}:${msk.account}`;
  const cluster = sub(`${base}:cluster/${msk.name}/${msk.uuid}`);
  const topic = (t: string): Cfn => sub(`${base}:topic/${msk.name}/${msk.uuid}/${t}`);
  const group = (g: string): Cfn => sub(`${base}:group/${msk.name}/${msk.uuid}/${g}`);
  const t = stage.config.kafka.topics;
  const priorityTopics = PRIORITIES.map((p) => topic(t[p]));
  const groups = PRIORITIES.map((p) => group(consumerGroup(p)));
  if (fn === 'autoscale') {
    return [allow(['kafka-cluster:Connect'], cluster), allow(['kafka-cluster:DescribeTopic'], priorityTopics), allow(['kafka-cluster:DescribeGroup'], groups)];
  }
  // Every other function publishes answers and dead letters (the idempotent producer).
  const out = [
    allow(['kafka-cluster:Connect', 'kafka-cluster:WriteDataIdempotently'], cluster),
    allow(['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'], [topic(t.results), topic(t.dead_letter), topic(`${replyTopicPrefix(stage.config.kafka.reply_topic_pattern)}*`)]),
  ];
  if (fn === 'schedule') {
    // The event source mappings read with this role (https://docs.aws.amazon.com/lambda/latest/dg/with-msk-permissions.html).
    out.push(
      allow(['kafka-cluster:DescribeClusterDynamicConfiguration'], cluster),
      allow(['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'], priorityTopics),
      allow(['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'], groups),
    );
  }
  return out;
}

function tableStatements(fn: FunctionKey): Statement[] {
  const capacity = getAtt('CapacityTable', 'Arn');
  if (fn === 'autoscale') return [allow(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Scan'], capacity)];
  // No DeleteItem anywhere: models are removed by `agentsched models remove` with the operator's credentials.
  return [
    allow(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Scan'], capacity),
    // PartiQL INSERT / UPDATE: the queue's batched registrations and publish marks (lib/queue/write-batcher.ts;
    // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-iam.html).
    allow(
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:PartiQLInsert', 'dynamodb:PartiQLUpdate'],
      [getAtt('QueueTable', 'Arn'), sub('${QueueTable.Arn}/index/*')],
    ),
  ];
}

function lambdaStatements(stage: Stage, fn: FunctionKey): Statement[] {
  if (fn !== 'autoscale') return [allow(['lambda:InvokeFunction'], localArn('lambda', `function:${functionName(stage, 'call')}`))];
  return [
    // Listing has no resource-level permission (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html).
    allow(['lambda:ListEventSourceMappings'], '*'),
    allow(['lambda:UpdateEventSourceMapping'], PRIORITIES.map((p) => localArn('lambda', `event-source-mapping:\${${PRIORITY_IDS[p]}}`))),
  ];
}

function networkStatements(stage: Stage, fn: FunctionKey): Statement[] {
  const statements: Statement[] = [];
  if (!stage.local) {
    // Network interfaces of functions in a VPC (and of the Kafka mappings, which use the
    // function's role): these actions have no resource-level permissions.
    statements.push(
      allow(
        ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeVpcs'],
        '*',
      ),
    );
  }
  if (fn === 'schedule' && stage.msk) statements.push(allow(['kafka:DescribeCluster', 'kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'], sub(`arn:\${AWS::Partition}:kafka:${stage.msk.region}:${stage.msk.account}:cluster/${stage.msk.name}/${stage.msk.uuid}`)));
  return statements;
}

/** One execution role per function, with only the actions and resources that function uses. */
export function roleResources(stage: Stage): Record<string, Cfn> {
  const apiKeys = stage.config.models.map((m) => m.api_key).filter((k): k is SecretRef => !('none' in k));
  const out: Record<string, Cfn> = {};
  for (const fn of FUNCTIONS) {
    const name = functionName(stage, fn);
    const statements = [
      allow(['logs:CreateLogStream', 'logs:PutLogEvents'], localArn('logs', `log-group:/aws/lambda/${name}:*`)),
      ...tableStatements(fn),
      ...lambdaStatements(stage, fn),
      ...networkStatements(stage, fn),
      ...mskIam(stage, fn),
      // Kafka secrets for every client (and the mappings, with the schedule role); model API keys for call.
      ...refStatements([...kafkaRefs(stage), ...(fn === 'call' ? apiKeys : [])]),
    ];
    out[roleId(fn)] = lambdaRole(name, statements);
  }
  return out;
}
