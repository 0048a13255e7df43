import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEmfMetrics } from '../../../lib/metrics/emf.js';
import { InMemoryMetrics } from '../../../lib/metrics/recorder.js';

interface EmfBlob {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

describe('Metrics', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes one CloudWatch EMF blob per model and priority, counts summed and durations kept', () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(chunk.toString());
      return true;
    });
    const metrics = createEmfMetrics('test');
    metrics.add('admitted', { model: 'm1', priority: 'high' });
    metrics.add('admitted', { model: 'm1', priority: 'high' });
    metrics.add('llm_latency_ms', { model: 'm1', priority: 'high' }, 120);
    metrics.add('llm_latency_ms', { model: 'm1', priority: 'high' }, 80);
    metrics.add('failed', { model: 'm2', priority: 'low' });
    metrics.flush();
    const blobs = lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('_aws')).map((l) => JSON.parse(l) as EmfBlob);
    expect(blobs).toHaveLength(2);
    const m1 = blobs.find((b) => b['model'] === 'm1')!;
    expect(m1['priority']).toBe('high');
    expect(m1['admitted']).toBe(2);
    expect(m1['llm_latency_ms']).toEqual([120, 80]);
    const def = m1._aws.CloudWatchMetrics[0]!;
    expect(def.Namespace).toBe('AgentSched');
    expect(def.Dimensions[0]).toEqual(expect.arrayContaining(['model', 'priority']));
    expect(def.Metrics).toEqual(expect.arrayContaining([{ Name: 'llm_latency_ms', Unit: 'Milliseconds' }, { Name: 'admitted', Unit: 'Count' }]));
    // Nothing is written twice.
    lines.length = 0;
    metrics.flush();
    expect(lines.filter((l) => l.includes('_aws'))).toHaveLength(0);
  });

  it('keeps totals per model and per priority in memory', () => {
    const m = new InMemoryMetrics();
    m.add('completed', { model: 'a', priority: 'high' });
    m.add('completed', { model: 'b', priority: 'high' }, 2);
    expect(m.total('completed')).toBe(3);
    expect(m.total('completed', { model: 'b' })).toBe(2);
    expect(m.total('completed', { priority: 'high' })).toBe(3);
  });
});
