import { describe, expect, it } from 'vitest';
import { AgentRequestSchema } from '../../../lib/contracts/request.js';
import { buildJob } from '../../../lib/scheduler/job.js';
import type { Job } from '../../../lib/scheduler/job.js';
import { JobQueue } from '../../../lib/scheduler/queue.js';
import { record } from './fixtures.js';

function job(priority: 'high' | 'medium' | 'low', deadline: number, id = `${priority}-${deadline}`): Job {
  const r = record({ id, priority, deadline_ms: deadline });
  const raw = JSON.parse(r.value.toString()) as Record<string, unknown>;
  return buildJob(r, AgentRequestSchema.parse(raw), raw, 60_000);
}

const ids = (jobs: readonly Job[]): string[] => jobs.map((j) => j.request.id);

describe('Class: JobQueue', () => {
  it('keeps waiting jobs in priority, then deadline order as they come and go', () => {
    const q = new JobQueue([job('low', 1_000), job('high', 3_000), job('medium', 2_000), job('high', 2_500)]);
    expect(ids(q.waiting)).toEqual(['high-2500', 'high-3000', 'medium-2000', 'low-1000']);
    const late = job('medium', 500);
    q.enqueue(late);
    expect(ids(q.waiting)).toEqual(['high-2500', 'high-3000', 'medium-500', 'medium-2000', 'low-1000']);
    q.enqueue(late);
    expect(q.waiting).toHaveLength(5);
  });

  it('hands out snapshots, so a loop over waiting jobs survives changes to the queue', () => {
    const [a, b] = [job('high', 1), job('high', 2)];
    const q = new JobQueue([a, b]);
    const seen: string[] = [];
    for (const j of q.waiting) {
      q.remove(b);
      seen.push(j.request.id);
    }
    expect(seen).toEqual(['high-1', 'high-2']);
    expect(q.isWaiting(b)).toBe(false);
  });

  it('moves a job between waiting and watched, and reports the watched ones that are due', () => {
    const [a, b] = [job('high', 1), job('low', 2)];
    const q = new JobQueue([a, b]);
    q.watch(a, 100);
    q.watch(a, 100);
    expect(ids(q.waiting)).toEqual(['low-2']);
    expect(q.watched).toHaveLength(1);
    expect(q.dueWatched(99)).toEqual([]);
    expect(q.dueWatched(100)).toEqual([a]);
    q.enqueue(a);
    expect(q.watched).toHaveLength(0);
    expect(ids(q.waiting)).toEqual(['high-1', 'low-2']);
  });

  it('is empty only when nothing waits and nothing is watched', () => {
    const a = job('high', 1);
    const q = new JobQueue([a]);
    q.watch(a, 0);
    expect(q.empty).toBe(false);
    q.remove(a);
    expect(q.empty).toBe(true);
  });

  it('takes out the jobs past their deadline and, at the end, everything', () => {
    const q = new JobQueue([job('high', 10), job('low', 50), job('medium', 5)]);
    const w = job('low', 1);
    q.watch(w, 0);
    expect(ids(q.takeExpired(10))).toEqual(['high-10', 'medium-5']);
    expect(ids(q.waiting)).toEqual(['low-50']);
    expect(ids(q.drain())).toEqual(['low-50', 'low-1']);
    expect(q.empty).toBe(true);
  });
});
