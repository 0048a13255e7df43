import type { Cfn } from './cfn.js';
import { roleResources } from './iam.js';
import { mappingResources } from './mappings.js';
import { alarmResources, dashboardResource } from './monitoring.js';
import { resolveStage } from './stage.js';
import type { StageInput } from './stage.js';

/** What serverless.yml reads as `${self:custom.stage.…}`. */
export interface StagePlan {
  stage: string;
  configFile: string;
  brokers: string;
  /** Function `vpc:` (the subnets and security groups), or null for `local` (LocalStack). */
  vpc: { subnetIds: string[]; securityGroupIds: string[] } | null;
  logRetentionDays: number;
  /** DynamoDB deletion protection: on for every stage but `local`. */
  deletionProtection: boolean;
  resources: Record<string, Cfn>;
}

/** Checks the stage (lib/deploy/stage.ts) and generates the template parts that depend on it. */
export function planStage(input: StageInput): StagePlan {
  const stage = resolveStage(input);
  return {
    stage: stage.stage,
    configFile: stage.configFile,
    brokers: stage.brokers.join(','),
    vpc: stage.local ? null : { subnetIds: stage.subnets, securityGroupIds: stage.securityGroups },
    logRetentionDays: stage.logRetentionDays,
    deletionProtection: !stage.local,
    resources: { ...roleResources(stage), ...mappingResources(stage), ...dashboardResource(stage), ...alarmResources(stage) },
  };
}
