import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[]; DeletionPolicy?: string; UpdateReplacePolicy?: string };
export type Template = { Resources: Record<string, Resource> };

/** Sample parameters of a production-like stage (what CI packages: scripts/deploy-check.sh). */
export const PROD_PARAMS = [
  'bootstrapServers=b-1.agentsched.abc123.c2.kafka.us-east-1.amazonaws.com:9098,b-2.agentsched.abc123.c2.kafka.us-east-1.amazonaws.com:9098',
  'subnets=subnet-0a1b2c3d4e5f60718,subnet-0b1c2d3e4f5a60718',
  'securityGroups=sg-0a1b2c3d4e5f60718',
  'mskClusterArn=arn:aws:kafka:us-east-1:123456789012:cluster/agentsched/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b-2',
];

/** `serverless package --stage <stage>` (osls, offline) into a fresh directory; its CloudFormation. */
export async function packageStage(stage: string, params: readonly string[], out = mkdtempSync(join(tmpdir(), `agentsched-${stage}-`))): Promise<{ template: Template; dir: string }> {
  await run('npx', ['serverless', 'package', '--stage', stage, '--package', out, ...params.map((p) => `--param=${p}`)], {
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
  });
  return { template: JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as Template, dir: out };
}

/** Entry names of a zip (the `unzip -Z1` listing). */
export async function listZip(file: string): Promise<string[]> {
  const { stdout } = await run('unzip', ['-Z1', file]);
  return stdout.split('\n').filter(Boolean);
}
