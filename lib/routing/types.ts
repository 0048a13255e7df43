import type { ModelSnapshot } from '../capacity/types.js';
import type { AgentRequest } from '../contracts/request.js';

/** The request fields routing reads. A full `AgentRequest` is accepted wherever this is. */
export type RoutingRequest = Pick<AgentRequest, 'task_type' | 'model_id' | 'session_id'>;

/** A source of uniform numbers in [0, 1). `Math.random` in production, seeded in tests. */
export type Random = () => number;

/**
 * Orders the candidates of one request: the scheduler tries a lease on each in turn, and a
 * refusal moves on to the next. Returns every candidate exactly once.
 */
export interface Router {
  order(request: RoutingRequest, candidates: readonly ModelSnapshot[], now: number): ModelSnapshot[];
}

/**
 * One strategy's ordering of candidates that are not cooling down (the router puts cooling-down
 * models last itself, so strategies never need the clock).
 */
export interface Ordering {
  order(request: RoutingRequest, ready: readonly ModelSnapshot[]): ModelSnapshot[];
}
