import { createHash } from 'node:crypto';
import type { Priority } from '../contracts/request.js';

/**
 * Layout of the capacity table (partition key `pk` only, one item per key):
 *
 * - `model#<id>` — the model's static description: `spec` (the ModelConfig), `shardItems` (how many
 *   shard items may exist: the largest shard count the model ever had, so retired shards are still
 *   read and reaped).
 * - `shard#<id>#<n>` — one capacity item (shard) of the model, with its live state (`ShardState`).
 *   Each shard has its own partition key, so each gets its own ~1,000 writes/s (see README "Hot items").
 */
export const metaKey = (modelId: string): string => `model#${modelId}`;
export const shardKey = (modelId: string, shard: number): string => `shard#${modelId}#${shard}`;

/**
 * Leases are stored under a fixed-size key (22 characters, 128 bits of SHA-256) rather than under
 * the caller's lease id, whatever its length: this bounds the size of a lease entry and so the
 * number of leases an item can hold (see `MAX_LEASES_PER_SHARD`).
 */
export function leaseKey(leaseId: string): string {
  return createHash('sha256').update(leaseId).digest('base64url').slice(0, 22);
}

export const PRIORITY_CODE: Record<Priority, string> = { high: 'h', medium: 'm', low: 'l' };
const CODE_PRIORITY: Record<string, Priority> = { h: 'high', m: 'medium', l: 'low' };

/** One lease in a shard item's `leases` map. Short names: every byte counts against 400 KB. */
export interface LeaseEntry {
  /** Expiry, epoch ms. */
  e: number;
  /** Priority code: h / m / l. */
  p: string;
  /** Tokens reserved against TPM. */
  t: number;
  /** Rate window (minute) the reservation was counted in; absent when the model has no limits. */
  w?: number;
  /** Random nonce: tells our own retried write apart from another holder of the same lease id. */
  r: number;
}

export function priorityOf(entry: LeaseEntry): Priority {
  return CODE_PRIORITY[entry.p] ?? 'low';
}

/** The live state of one shard item, as read from the table (or held by the in-memory store). */
export interface ShardState {
  modelId: string;
  shard: number;
  /** Guards against stale specs: `capacity/rpm/tpm` of the shard, `retired` for a retired shard. */
  tag: string;
  capacity: number;
  inFlight: number;
  leases: Record<string, LeaseEntry>;
  cooldownUntil: number;
  failures: number;
  rpm?: number;
  tpm?: number;
  rlWin: number;
  rlReq: number;
  rlTok: number;
  processed: number;
  errors: number;
  latSum: number;
  latCount: number;
  ewma?: number;
  tokIn: number;
  tokOut: number;
  reaped: number;
}

const num = (v: unknown, fallback = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function decodeLeases(v: unknown): Record<string, LeaseEntry> {
  if (typeof v !== 'object' || v === null) return {};
  const out: Record<string, LeaseEntry> = {};
  for (const [k, raw] of Object.entries(v as Record<string, unknown>)) {
    if (typeof raw !== 'object' || raw === null) continue;
    const r = raw as Record<string, unknown>;
    const entry: LeaseEntry = { e: num(r['e']), p: typeof r['p'] === 'string' ? r['p'] : 'l', t: num(r['t']), r: num(r['r']) };
    if (typeof r['w'] === 'number') entry.w = r['w'];
    out[k] = entry;
  }
  return out;
}

/** Decodes a shard item (document-client form); undefined when the item is missing or not a shard. */
export function decodeShard(item: Record<string, unknown> | undefined): ShardState | undefined {
  if (!item || item['kind'] !== 'shard') return undefined;
  const state: ShardState = {
    modelId: str(item['modelId']),
    shard: num(item['shard']),
    tag: str(item['tag']),
    capacity: num(item['capacity']),
    inFlight: num(item['inFlight']),
    leases: decodeLeases(item['leases']),
    cooldownUntil: num(item['cooldownUntil']),
    failures: num(item['failures']),
    rlWin: num(item['rlWin'], -1),
    rlReq: num(item['rlReq']),
    rlTok: num(item['rlTok']),
    processed: num(item['processed']),
    errors: num(item['errors']),
    latSum: num(item['latSum']),
    latCount: num(item['latCount']),
    tokIn: num(item['tokIn']),
    tokOut: num(item['tokOut']),
    reaped: num(item['reaped']),
  };
  if (typeof item['rpm'] === 'number') state.rpm = item['rpm'];
  if (typeof item['tpm'] === 'number') state.tpm = item['tpm'];
  if (typeof item['ewma'] === 'number') state.ewma = item['ewma'];
  return state;
}

/** A fresh shard's live state (what `putModel` initialises with `if_not_exists`). */
export function emptyShard(modelId: string, shard: number): ShardState {
  return {
    modelId, shard, tag: '', capacity: 0, inFlight: 0, leases: {}, cooldownUntil: 0, failures: 0,
    rlWin: -1, rlReq: 0, rlTok: 0, processed: 0, errors: 0, latSum: 0, latCount: 0, tokIn: 0, tokOut: 0, reaped: 0,
  };
}
