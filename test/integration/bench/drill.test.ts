// The fault drills (bench/drill), each at a small size: real Kafka, DynamoDB Local, `agentsched
// dev` / `agentsched worker` processes, the simulated fleet, the fault injected mid-run. Asserts
// the drills' checks — counts, never timings (`npm run drill` prints the full-size table).
import { describe, expect, it } from 'vitest';
import { DRILLS } from '../../../bench/drill/drills.js';
import { runDrills } from '../../../bench/drill/main.js';
import { plan } from '../../../bench/drill/run-drill.js';
import { addressable, isPoison } from '../../../bench/drill/messages.js';

/** Small: a few seconds of sending per drill; the outages keep their full length (10 s, 5 s). */
const REQUESTS = 45;
const RATE = 15;

describe('fault drills (small)', () => {
  for (const drill of DRILLS) {
    it(`${drill.name}: every request answered once, nothing lost, no violation, no lease left`, { timeout: 240_000 }, async () => {
      const [row] = await runDrills({ drills: [drill], requests: REQUESTS, rate: RATE, json: true, log: false });
      const kinds = plan(drill, REQUESTS, drill.rate?.({ requests: REQUESTS, rate: RATE, small: true }) ?? RATE).map((p) => p.kind);
      expect(row).toBeDefined();
      // On a failure the whole row is the message: where each unanswered request was, consumer lag, crashes.
      expect(row!.failed_checks, JSON.stringify(row)).toEqual([]);
      expect(row).toMatchObject({
        drill: drill.name,
        requests: REQUESTS,
        answered: kinds.filter(addressable).length,
        lost: 0,
        unfit: 0,
        duplicates_identical: true,
        violations: 0,
        leaked_leases: 0,
        left_in_queue: 0,
        ok: true,
      });
      expect(row!.dead_letters).toBeGreaterThanOrEqual(kinds.filter(isPoison).length);
      if (drill.inject) expect(row!.recovery_s).not.toBeNull();
    });
  }
});
