import { describe, it } from 'vitest';
import { chaosRun, checkChaosRun } from './chaos-run.js';

describe('Chaos: the scheduler core under every fault at once (seeded)', () => {
  // More seeds for a longer hunt: CHAOS_SEEDS=200 npx vitest run --project unit chaos
  const count = Number(process.env['CHAOS_SEEDS'] ?? 6);
  for (let seed = 1; seed <= count; seed++) {
    it(`answers every request exactly once and never exceeds a model's capacity (seed ${seed})`, async () => {
      await checkChaosRun(await chaosRun(seed));
    }, 60_000);
  }
});
