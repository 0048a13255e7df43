import { compareJobs } from './job.js';
import type { Job } from './job.js';

/**
 * The jobs of one batch that are not running: `waiting` for a slot (priority, then deadline, then
 * arrival) and `watching` — held by another invocation's ledger claim, looked at again until that
 * holder answers or its claim lapses. A job is in at most one of the two.
 */
export class JobQueue {
  private waitingJobs: Job[] = [];
  private watchedJobs: Job[] = [];

  constructor(jobs: readonly Job[] = []) {
    this.waitingJobs = [...jobs].sort(compareJobs);
  }

  /** Waiting jobs in admission order (a snapshot: safe to iterate while the queue changes). */
  get waiting(): readonly Job[] {
    return this.waitingJobs;
  }

  get watched(): readonly Job[] {
    return this.watchedJobs;
  }

  /** True when nothing waits and nothing is watched. */
  get empty(): boolean {
    return this.waitingJobs.length === 0 && this.watchedJobs.length === 0;
  }

  isWaiting(job: Job): boolean {
    return this.waitingJobs.includes(job);
  }

  enqueue(job: Job): void {
    this.watchedJobs = this.watchedJobs.filter((j) => j !== job);
    this.waitingJobs = [...this.waitingJobs.filter((j) => j !== job), job].sort(compareJobs);
  }

  remove(job: Job): void {
    this.waitingJobs = this.waitingJobs.filter((j) => j !== job);
    this.watchedJobs = this.watchedJobs.filter((j) => j !== job);
  }

  /** Another invocation holds `job`: look again at `nextWatch` (no later than its claim's end). */
  watch(job: Job, nextWatch: number): void {
    this.waitingJobs = this.waitingJobs.filter((j) => j !== job);
    job.nextWatch = nextWatch;
    if (!this.watchedJobs.includes(job)) this.watchedJobs.push(job);
  }

  /** Watched jobs due for another look at `now`. */
  dueWatched(now: number): Job[] {
    return this.watchedJobs.filter((j) => (j.nextWatch ?? 0) <= now);
  }

  /** Removes and returns the waiting jobs whose deadline has passed. */
  takeExpired(now: number): Job[] {
    const expired = this.waitingJobs.filter((j) => j.deadline <= now);
    if (expired.length > 0) this.waitingJobs = this.waitingJobs.filter((j) => j.deadline > now);
    return expired;
  }

  /** Removes and returns every job, waiting then watched (the invocation is ending). */
  drain(): Job[] {
    const all = [...this.waitingJobs, ...this.watchedJobs];
    this.waitingJobs = [];
    this.watchedJobs = [];
    return all;
  }

  /** Removes and returns the watched jobs only. */
  drainWatched(): Job[] {
    const watched = this.watchedJobs;
    this.watchedJobs = [];
    return watched;
  }
}
