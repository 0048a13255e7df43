import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/load.js';
import { templatePollers } from '../../../lib/deploy/mappings.js';
import type { Stage } from '../../../lib/deploy/stage.js';
import { pollerRange } from '../../../lib/scaling/autoscaler.js';
import { pollerBounds } from '../../../lib/scaling/decide.js';

const model = { id: 'm1', endpoint: 'https://models.example.com/v1', supported_tasks: ['text_generation'], capacity: 2 };

function stageWith(scaling: { min: number; max: number }): Stage {
  const config = parseConfig({ models: [model], scaling }, 'test.yaml');
  return { config } as Stage;
}

/**
 * Who owns the pollers (README "Deploy to AWS"): CloudFormation writes the bounds of `scaling`
 * (minimum and ceiling); functions/autoscale moves only the maximum, inside them. A deployment
 * that updates a mapping therefore resets it to the ceiling, never to a range the autoscaler
 * could not have chosen, and never lowers the minimum.
 */
describe('Poller ownership: CloudFormation sets the bounds, the autoscaler moves within them', () => {
  for (const scaling of [{ min: 1, max: 10 }, { min: 2, max: 6 }, { min: 0, max: 3 }, { min: 5, max: 5 }]) {
    it(`scaling ${scaling.min}..${scaling.max}: every range the autoscaler can write lies inside the template's`, () => {
      const stage = stageWith(scaling);
      const template = templatePollers(stage);
      for (const partitions of [1, 3, 6, 12, 100]) {
        const { lower, upper } = pollerBounds(stage.config.scaling, partitions);
        for (let pollers = lower; pollers <= upper; pollers++) {
          const range = pollerRange(stage.config.scaling, pollers);
          expect(range.min).toBe(Math.min(template.MinimumPollers, range.max));
          expect(range.max).toBeLessThanOrEqual(template.MaximumPollers);
          expect(range.max).toBeGreaterThanOrEqual(Math.min(template.MinimumPollers, upper));
        }
      }
      // The template itself is a range the autoscaler may hold (its ceiling when partitions allow).
      expect(template.MaximumPollers).toBe(Math.max(template.MinimumPollers, scaling.max));
      expect(template.MinimumPollers).toBe(Math.max(1, scaling.min));
    });
  }
});
