import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../../lib/config/load.js';
import { ConfigError } from '../../../lib/errors/index.js';

const model = { id: 'm1', endpoint: 'http://127.0.0.1:30000/v1', supported_tasks: ['text_generation'], capacity: 2 };

function writeTemp(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'agentsched-cfg-')), 'agentsched.yaml');
  writeFileSync(file, text);
  return file;
}

describe('Function: loadConfig', () => {
  it('loads the committed example configuration', () => {
    const config = loadConfig('agentsched.yaml', {});
    expect(config.models.map((m) => [m.id, m.capacity])).toEqual([['gpt-3.5', 5], ['gpt-4-turbo', 3], ['gpt-4-o', 10]]);
    expect(config.kafka.topics).toEqual({
      high: 'high_priority', medium: 'medium_priority', low: 'low_priority', results: 'results', dead_letter: 'dead_letter',
    });
  });

  it('fills defaults for everything but the models', () => {
    const config = parseConfig({ models: [model] }, 'inline');
    expect(config.capacity.priority_shares).toEqual({ high: 1, medium: 1, low: 1 });
    expect(config.load_balancing.strategy).toBe('least_loaded');
    expect(config.connection_pool).toEqual({ max_connections: 100, timeout: 30 });
    expect(config.models[0]!.api_key).toEqual({ none: true });
    expect(config.kafka.bootstrap_servers).toEqual(['localhost:9092']);
  });

  it('names the key path and the file in an error', () => {
    const file = writeTemp('models:\n  - id: m1\n    endpoint: http://x/v1\n    supported_tasks: [text_generation]\n    capacity: -1\n');
    expect(() => loadConfig(file, {})).toThrow(ConfigError);
    try {
      loadConfig(file, {});
    } catch (err) {
      expect((err as ConfigError).path).toBe('models.0.capacity');
      expect((err as ConfigError).message).toContain(file);
    }
  });

  it('rejects unknown keys (typos) naming them', () => {
    expect(() => parseConfig({ models: [model], load_balancing: { stratgy: 'cost' } }, 'f.yaml')).toThrow(/load_balancing/);
  });

  it('rejects an unknown strategy and an inline API key', () => {
    expect(() => parseConfig({ models: [model], load_balancing: { strategy: 'random' } }, 'f.yaml')).toThrow(/load_balancing.strategy/);
    expect(() => parseConfig({ models: [{ ...model, api_key: 'sk-123' }] }, 'f.yaml')).toThrow(/models.0.api_key/);
  });

  it('rejects duplicate model ids and priority shares that grow as priority falls', () => {
    expect(() => parseConfig({ models: [model, model] }, 'f.yaml')).toThrow(/models/);
    expect(() => parseConfig({ models: [model], capacity: { priority_shares: { high: 0.5, medium: 0.9, low: 0.1 } } }, 'f.yaml')).toThrow(
      /capacity.priority_shares/,
    );
  });

  it('lets the environment override brokers, table endpoint, table name and file', () => {
    const file = writeTemp(`models:\n  - ${JSON.stringify(model)}\n`);
    const config = loadConfig(undefined, {
      AGENTSCHED_CONFIG: file,
      KAFKA_BROKERS: 'a:9092, b:9093',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
      CAPACITY_TABLE: 'cap-test',
    });
    expect(config.kafka.bootstrap_servers).toEqual(['a:9092', 'b:9093']);
    expect(config.dynamodb.endpoint).toBe('http://127.0.0.1:8000');
    expect(config.capacity.table).toBe('cap-test');
  });

  it('fails with the file name when the file is missing or not YAML', () => {
    expect(() => loadConfig('/nonexistent/agentsched.yaml', {})).toThrow(/nonexistent\/agentsched.yaml/);
    expect(() => loadConfig(writeTemp('models: [\n'), {})).toThrow(/not valid YAML/);
  });
});
