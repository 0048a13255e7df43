// What a drill is: its fleet, its configuration, its requests and its fault; what it measured.
import type { SimFaults, SimModelOptions } from '../../lib/sim/types.js';
import type { SilentProxy } from './proxy.js';
import type { OwnServices } from './services.js';

/** What a request of a drill is. Poison kinds are records the scheduler must refuse. */
export const REQUEST_KINDS = [
  'valid',
  'short_deadline',
  'poison_json',
  'poison_types',
  'poison_large',
  'poison_binary',
  'poison_no_correlation',
] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export interface PlannedRequest {
  /** Milliseconds after the start of the send phase. */
  at: number;
  priority: 'high' | 'medium' | 'low';
  kind: RequestKind;
}

/** The fault's window (epoch ms); `end` is when the fault was cleared (null: it lasts the whole run). */
export interface FaultWindow {
  start: number;
  end: number | null;
}

/** What a fault can act on: the drill's own broker and table, the silent proxy, the scheduler's processes. */
export interface FaultTarget {
  own: { kafka?: OwnServices; dynamodb?: OwnServices };
  proxy: SilentProxy | undefined;
  /** SIGKILLs `agentsched dev` and starts it again after `downMs`; resolves (epoch ms) when it consumes again. */
  killDev(downMs: number): Promise<number>;
  /** The same for the `agentsched worker` running functions/call. */
  killWorker(downMs: number): Promise<number>;
}

/** Sizes and timing of one drill run. */
export interface DrillSize {
  requests: number;
  /** Requests per second of the steady send phase. */
  rate: number;
  /** True for the small runs of the test command. */
  small: boolean;
}

export interface Drill {
  name: string;
  summary: string;
  /** Own broker or table (stopped during the drill), or a silent proxy in front of the shared table. */
  needs?: { kafka?: 'own'; dynamodb?: 'own' | 'proxy' };
  /** `functions/call` in an `agentsched worker` process of its own (else inside `agentsched dev`). */
  worker?: boolean;
  /** The simulated fleet (ids and capacities of the demo fleet, faults as the drill wants). */
  fleet(): SimModelOptions[];
  /** Model whose calls pass through a recorder (arrival times, 429 pauses): the Retry-After check. */
  record?: string;
  /** Faults switched on in the simulated fleet once the warm-up is answered (model id → faults). */
  faults?: Record<string, SimFaults>;
  /** Overrides of the scheduler configuration the drill runs with (key path → value). */
  config?: [string[], unknown][];
  /** Requests per second for this size (default: the size's rate). */
  rate?(size: DrillSize): number;
  /** What each request is (default: all valid). */
  kind?(i: number, n: number): RequestKind;
  /** Injects the fault once the send phase is `atFraction` through; resolves with its window. */
  inject?(target: FaultTarget, size: DrillSize): Promise<FaultWindow>;
  /** When the fault starts, as a fraction of the send phase (default 0.4). */
  atFraction?: number;
  /** Is this answer acceptable for a request of this kind under this fault? */
  fits(kind: RequestKind, status: string, code: string | null): boolean;
  /** Extra checks of the drill (name → passed), from what the stack measured. */
  extra?(m: Measured): Record<string, boolean>;
}

/** What one request ended with. */
export interface Outcome {
  id: string;
  cid: string;
  priority: PlannedRequest['priority'];
  kind: RequestKind;
  sent: number;
  /** Epoch ms of the first answer. */
  answeredAt: number | null;
  status: string | null;
  code: string | null;
  copies: number;
  /** Every extra copy carries the same answer as the first (the same JSON value). */
  identical: boolean;
  /** Extra copies equal to the first as JSON values but not byte for byte (fields in another order). */
  reencoded: number;
  /** Redelivered copies flagged `agentsched-redelivery`. */
  flagged: number;
  deadLetters: number;
  /** For a second copy that differs from the first: the fields that differ, and each copy's redelivery flag. */
  differs?: { fields: string[]; first_flagged: boolean; copy_flagged: boolean; first: Record<string, unknown>; copy: Record<string, unknown> };
}

export interface Measured {
  outcomes: Outcome[];
  fault: FaultWindow | null;
  sendStart: number;
  sendEnd: number;
  rate: number;
  sim: { requests: number; completed: number; violations: number; aborted: number; byModel: Record<string, { requests: number; rate_limited_injected: number }> };
  /** Requests that reached a model within a Retry-After window it had announced. */
  earlyAfter429: number | null;
  leasesLeft: number;
  /** Scheduler processes that died on their own during the drill (a crash is a finding). */
  unexpectedExits: string[];
  /** For requests without their answer: where each one is (diagnostics, JSON only). */
  lostDetail: LostDetail[];
  /** Records each scheduler consumer group has not committed (diagnostics). */
  lag: Record<string, number>;
  reaped: number;
  queueLeft: number;
}

export interface LostDetail {
  id: string;
  priority: string;
  kind: RequestKind;
  /** Seconds after the fault's start it was sent (negative: before). */
  sent_after_fault_s: number | null;
  /** Its wait-queue state, or null when the queue has no item for it. */
  queue_state: string | null;
}
