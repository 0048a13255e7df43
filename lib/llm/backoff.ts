/** Bounds of an exponential backoff, milliseconds. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `attempt` (0 = the first retry): exponential with full jitter, a
 * uniform draw in [0, min(maxMs, baseMs · 2^attempt)). Full jitter spreads the retries of many
 * invocations that failed together, so they do not hit the next model in lockstep.
 */
export function backoffMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.max(0, options.baseMs);
  const max = Math.max(0, options.maxMs);
  const exponent = Math.max(0, Math.floor(Number.isFinite(attempt) ? attempt : 0));
  // 2^exponent overflows to Infinity for very large attempts; min() keeps the cap.
  const cap = Math.min(max, base * 2 ** exponent);
  const draw = Math.min(Math.max(random(), 0), 1);
  return Math.floor(draw * cap);
}
