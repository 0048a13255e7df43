import { PRIORITIES } from '../contracts/request.js';
import type { Cfn } from './cfn.js';
import { getAtt } from './cfn.js';
import { consumerGroup, lambdaId, PRIORITY_IDS, roleId } from './names.js';
import type { Stage } from './stage.js';

/**
 * The poller range CloudFormation writes: the bounds of `scaling` in the stage's config file.
 * functions/autoscale moves the maximum within them (lib/scaling pollerRange); a deployment that
 * updates a mapping resets it to the ceiling, never below what the autoscaler may choose
 * (README "Deploy to AWS", "Who owns the pollers").
 */
export function templatePollers(stage: Stage): { MinimumPollers: number; MaximumPollers: number } {
  const min = Math.max(1, stage.config.scaling.min);
  return { MinimumPollers: min, MaximumPollers: Math.max(min, stage.config.scaling.max) };
}

/** Source access configurations of the mappings from `kafka.security` (lib/deploy/stage checks the ARNs). */
function accessConfigurations(stage: Stage): Cfn[] {
  const out: Cfn[] = [];
  if (!stage.msk) {
    for (const s of stage.subnets) out.push({ Type: 'VPC_SUBNET', URI: `subnet:${s}` });
    for (const g of stage.securityGroups) out.push({ Type: 'VPC_SECURITY_GROUP', URI: `security_group:${g}` });
  }
  const sec = stage.config.kafka.security;
  const arnOf = (r: { secret: string } | object | undefined): string | undefined => (r && 'secret' in r ? r.secret : undefined);
  if (sec.auth === 'sasl_scram_512') out.push({ Type: 'SASL_SCRAM_512_AUTH', URI: arnOf(sec.credentials) ?? '' });
  if (sec.auth === 'mtls') out.push({ Type: 'CLIENT_CERTIFICATE_TLS_AUTH', URI: arnOf(sec.client_certificate) ?? '' });
  if ((sec.auth === 'mtls' || sec.auth === 'sasl_scram_512' || sec.auth === 'tls') && sec.ca && !stage.msk) {
    out.push({ Type: 'SERVER_ROOT_CA_CERTIFICATE', URI: arnOf(sec.ca) ?? '' });
  }
  return out;
}

/**
 * One event source mapping per priority topic, all invoking `schedule`: MSK (cluster ARN) when
 * the stage has `mskClusterArn`, self-managed Kafka (bootstrap servers, in the stage's VPC)
 * otherwise. Written here rather than as serverless `events` so the auth, VPC and
 * `MaximumBatchingWindowInSeconds: 0` are exactly what the stage asks for.
 */
export function mappingResources(stage: Stage): Record<string, Cfn> {
  const out: Record<string, Cfn> = {};
  const access = accessConfigurations(stage);
  for (const priority of PRIORITIES) {
    const group = { ConsumerGroupId: consumerGroup(priority) };
    const source: Record<string, Cfn> = stage.msk
      ? { EventSourceArn: stage.msk.arn, AmazonManagedKafkaEventSourceConfig: group }
      : { SelfManagedEventSource: { Endpoints: { KafkaBootstrapServers: stage.brokers } }, SelfManagedKafkaEventSourceConfig: group };
    out[PRIORITY_IDS[priority]] = {
      Type: 'AWS::Lambda::EventSourceMapping',
      // The role's policy must exist before Lambda checks the mapping's permissions.
      DependsOn: [roleId('schedule')],
      Properties: {
        FunctionName: getAtt(lambdaId('schedule'), 'Arn'),
        Topics: [stage.config.kafka.topics[priority]],
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: stage.batchSize,
        // Always set: absent means Kafka's 500 ms default, not 0.
        MaximumBatchingWindowInSeconds: stage.batchWindow,
        ProvisionedPollerConfig: templatePollers(stage),
        ...source,
        ...(access.length > 0 ? { SourceAccessConfigurations: access } : {}),
      },
    };
  }
  return out;
}
