import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors/index.js';
import { issuePath } from '../contracts/decode.js';
import { ConfigSchema } from './schema.js';
import type { Config } from './schema.js';

export const DEFAULT_CONFIG_FILE = 'agentsched.yaml';

/** Environment variables that override the file. */
export interface ConfigEnv {
  AGENTSCHED_CONFIG?: string | undefined;
  KAFKA_BROKERS?: string | undefined;
  DYNAMODB_ENDPOINT?: string | undefined;
  CAPACITY_TABLE?: string | undefined;
  REQUESTS_TABLE?: string | undefined;
  QUEUE_TABLE?: string | undefined;
  AWS_REGION?: string | undefined;
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let node = obj;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/** Applies the environment overrides to the raw (unvalidated) document. */
function applyEnv(doc: Record<string, unknown>, env: ConfigEnv): void {
  if (env.KAFKA_BROKERS) {
    setPath(doc, ['kafka', 'bootstrap_servers'], env.KAFKA_BROKERS.split(',').map((s) => s.trim()).filter(Boolean));
  }
  if (env.DYNAMODB_ENDPOINT) setPath(doc, ['dynamodb', 'endpoint'], env.DYNAMODB_ENDPOINT);
  if (env.CAPACITY_TABLE) setPath(doc, ['capacity', 'table'], env.CAPACITY_TABLE);
  if (env.REQUESTS_TABLE) setPath(doc, ['capacity', 'requests_table'], env.REQUESTS_TABLE);
  if (env.QUEUE_TABLE) setPath(doc, ['capacity', 'queue_table'], env.QUEUE_TABLE);
  if (env.AWS_REGION) setPath(doc, ['dynamodb', 'region'], env.AWS_REGION);
}

/**
 * Validates a configuration document (already parsed from YAML/JSON) with the environment
 * overrides applied. Errors name the key path and `source`.
 */
export function parseConfig(doc: unknown, source: string, env: ConfigEnv = {}): Config {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ConfigError(source, '', 'expected a mapping at the top level');
  }
  const raw = structuredClone(doc) as Record<string, unknown>;
  applyEnv(raw, env);
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(source, issue ? issuePath(issue.path) : '', issue?.message ?? 'invalid');
  }
  return result.data;
}

/** Reads, parses and validates a YAML configuration file (once, at cold start). */
export function loadConfig(file?: string, env: ConfigEnv = process.env): Config {
  const path = file ?? env.AGENTSCHED_CONFIG ?? DEFAULT_CONFIG_FILE;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, '', `cannot read the file (${(err as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(path, '', `not valid YAML (${(err as Error).message})`);
  }
  return parseConfig(doc, path, env);
}
