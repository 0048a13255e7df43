import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { KafkaSecurity, SecretRef } from '../config/kafka-security.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { AgentSchedError, toError } from '../errors/index.js';

/** The stage that deploys to LocalStack (localstack/docker-compose.yml): placeholders allowed. */
export const LOCAL_STAGE = 'local';

/** `serverless package|deploy` for a stage lacks what a real account needs. Lists every problem. */
export class StageRefusedError extends AgentSchedError {
  readonly problems: string[];

  constructor(stage: string, problems: string[]) {
    super('stage_refused', `Stage "${stage}" cannot be packaged: ${problems.join('; ')}. See README "Deploy to AWS".`);
    this.problems = problems;
  }
}

export interface StageInput {
  stage: string;
  service: string;
  /** Merged serverless params: `params.default`, then `params.<stage>`, then `--param` (later wins). */
  params: Readonly<Record<string, string | number | boolean | undefined>>;
  serviceDir: string;
}

export interface MskCluster {
  arn: string;
  region: string;
  account: string;
  name: string;
  uuid: string;
}

/** Everything the generated template parts depend on, checked. */
export interface Stage {
  stage: string;
  service: string;
  local: boolean;
  /** Relative to the service directory: packaged with the functions, named by AGENTSCHED_CONFIG. */
  configFile: string;
  config: Config;
  brokers: string[];
  subnets: string[];
  securityGroups: string[];
  msk: MskCluster | undefined;
  alarmTopicArn: string | undefined;
  batchSize: number;
  batchWindow: number;
  logRetentionDays: number;
  thresholds: { lag: number; waitingAgeMs: number; failedRatioPct: number };
}

const REQUIRED = ['bootstrapServers', 'subnets', 'securityGroups'] as const;
const MSK_ARN = /^arn:aws[a-z-]*:kafka:([a-z0-9-]+):(\d{12}):cluster\/([^/]+)\/([^/]+)$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1\]|::1|host\.docker\.internal|redpanda)$/i;

function list(v: string | number | boolean | undefined): string[] {
  return v === undefined ? [] : String(v).split(',').map((s) => s.trim()).filter(Boolean);
}

function num(params: StageInput['params'], key: string, fallback: number, problems: string[]): number {
  const raw = params[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) problems.push(`parameter ${key} must be a non-negative number, got "${String(raw)}"`);
  return n;
}

function hostOf(address: string): string {
  return address.replace(/^[a-z]+:\/\//i, '').replace(/:\d+$/, '');
}

/** Secrets the event source mappings read themselves must be Secrets Manager ARNs. */
function esmSecretProblems(security: KafkaSecurity): string[] {
  const refs: [string, SecretRef | undefined][] = [];
  if (security.auth === 'sasl_scram_512') refs.push(['kafka.security.credentials', security.credentials], ['kafka.security.ca', security.ca]);
  if (security.auth === 'mtls') refs.push(['kafka.security.client_certificate', security.client_certificate], ['kafka.security.ca', security.ca]);
  if (security.auth === 'tls') refs.push(['kafka.security.ca', security.ca]);
  return refs
    .filter(([, r]) => r !== undefined && !('secret' in r && SECRET_ARN.test(r.secret)))
    .map(([key]) => `${key} must be {secret: <Secrets Manager ARN>} (the event source mappings read it from Secrets Manager)`);
}

function configProblems(config: Config, brokers: string[], msk: MskCluster | undefined): string[] {
  const problems: string[] = [];
  const loopModels = config.models.filter((m) => LOOPBACK.test(new URL(m.endpoint).hostname));
  if (loopModels.length > 0) problems.push(`models ${loopModels.map((m) => m.id).join(', ')} have loopback endpoints (the demo fleet?)`);
  if (config.dynamodb.endpoint !== undefined) problems.push('dynamodb.endpoint is set (it would send the functions away from DynamoDB)');
  const loopBrokers = brokers.filter((b) => LOOPBACK.test(hostOf(b)));
  if (loopBrokers.length > 0) problems.push(`parameter bootstrapServers names local brokers (${loopBrokers.join(', ')})`);
  const auth = config.kafka.security.auth;
  if (auth === 'msk_iam' && !msk) problems.push('kafka.security.auth msk_iam needs parameter mskClusterArn (MSK IAM exists only on MSK)');
  if (msk && auth === 'tls') problems.push('kafka.security.auth tls (no client authentication) is not available to MSK event source mappings: use msk_iam, sasl_scram_512 or mtls');
  return [...problems, ...esmSecretProblems(config.kafka.security)];
}

function parseMsk(value: string | undefined, problems: string[]): MskCluster | undefined {
  if (!value) return undefined;
  const m = MSK_ARN.exec(value);
  if (!m) {
    problems.push(`parameter mskClusterArn is not an MSK cluster ARN ("${value}")`);
    return undefined;
  }
  return { arn: value, region: m[1]!, account: m[2]!, name: m[3]!, uuid: m[4]! };
}

/**
 * Checks a stage's parameters and configuration file. `local` runs with the demo values; any
 * other stage needs the broker, subnets, security groups and its own configuration file, and
 * gets one error naming everything missing or unfit.
 */
export function resolveStage(input: StageInput): Stage {
  const { stage, params } = input;
  const local = stage === LOCAL_STAGE;
  const problems: string[] = [];
  const p = (k: string): string | undefined => (params[k] === undefined || params[k] === '' ? undefined : String(params[k]));
  // `subnet` / `securityGroup` are the parameter names of earlier releases.
  const values = { bootstrapServers: list(p('bootstrapServers')), subnets: list(p('subnets') ?? p('subnet')), securityGroups: list(p('securityGroups') ?? p('securityGroup')) };
  if (!local) {
    const missing = REQUIRED.filter((k) => values[k].length === 0);
    if (missing.length > 0) problems.push(`missing parameters ${missing.join(', ')} (--param="name=value" or params.${stage} in serverless.yml)`);
    const badSubnets = values.subnets.filter((s) => !/^subnet-[0-9a-f]{8,17}$/.test(s) || /^subnet-0+$/.test(s));
    if (badSubnets.length > 0) problems.push(`subnets ${badSubnets.join(', ')} are not subnet ids`);
    const badGroups = values.securityGroups.filter((s) => !/^sg-[0-9a-f]{8,17}$/.test(s) || /^sg-0+$/.test(s));
    if (badGroups.length > 0) problems.push(`securityGroups ${badGroups.join(', ')} are not security group ids`);
    for (const legacy of ['minPollers', 'maxPollers']) {
      if (p(legacy) !== undefined) problems.push(`parameter ${legacy} is gone: the poller bounds are scaling.min / scaling.max of the config file`);
    }
  }
  const configFile = p('config') ?? (local ? 'agentsched.yaml' : `config/agentsched.${stage}.yaml`);
  const configPath = isAbsolute(configFile) ? configFile : join(input.serviceDir, configFile);
  let config: Config | undefined;
  if (isAbsolute(configFile) || configFile.startsWith('..')) problems.push(`config file ${configFile} must be inside the service directory (it is packaged)`);
  else if (!existsSync(configPath)) problems.push(`config file ${configFile} does not exist (parameter config names another)`);
  else {
    try {
      config = loadConfig(configPath, {});
    } catch (err: unknown) {
      problems.push(`config file invalid: ${toError(err).message.replace(configPath, configFile)}`);
    }
  }
  const msk = parseMsk(p('mskClusterArn'), problems);
  if (config && !local) problems.push(...configProblems(config, values.bootstrapServers, msk));
  const batchSize = num(params, 'batchSize', 100, problems);
  const batchWindow = num(params, 'batchWindow', 0, problems);
  const logRetentionDays = num(params, 'logRetentionDays', 30, problems);
  const thresholds = {
    lag: num(params, 'alarmLag', 10_000, problems),
    waitingAgeMs: num(params, 'alarmWaitingAgeMs', 60_000, problems),
    failedRatioPct: num(params, 'alarmFailedPct', 5, problems),
  };
  if (problems.length > 0 || !config) throw new StageRefusedError(stage, problems);
  return {
    stage,
    service: input.service,
    local,
    configFile,
    config,
    brokers: values.bootstrapServers.length > 0 ? values.bootstrapServers : config.kafka.bootstrap_servers,
    subnets: values.subnets,
    securityGroups: values.securityGroups,
    msk,
    alarmTopicArn: p('alarmTopicArn'),
    batchSize,
    batchWindow,
    logRetentionDays,
    thresholds,
  };
}
