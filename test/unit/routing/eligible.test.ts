import { describe, expect, it } from 'vitest';
import { eligibleModels, isCoolingDown } from '../../../lib/routing/index.js';
import { ids, req, snap } from './fixtures.js';

const NOW = 1_000_000;
const fleet = [
  snap('text-a'),
  snap('vision', { supported_tasks: ['image_analysis'] }),
  snap('text-b', { supported_tasks: ['text_generation', 'data_processing'] }),
];

describe('eligibleModels', () => {
  it('keeps only models that support the task type', () => {
    expect(ids(eligibleModels(req(), fleet, NOW).eligible)).toEqual(['text-a', 'text-b']);
    expect(ids(eligibleModels(req({ task_type: 'image_analysis' }), fleet, NOW).eligible)).toEqual(['vision']);
  });

  it('keeps only the named model when model_id is given', () => {
    expect(eligibleModels(req({ model_id: 'text-b' }), fleet, NOW)).toEqual({ eligible: [fleet[2]] });
  });

  it('ignores a null model_id', () => {
    expect(eligibleModels(req({ model_id: null }), fleet, NOW).eligible).toHaveLength(2);
  });

  it('answers unknown_model when model_id names no configured model', () => {
    expect(eligibleModels(req({ model_id: 'gpt-9' }), fleet, NOW)).toEqual({ eligible: [], reason: 'unknown_model' });
  });

  it('answers no_capable_model when no model supports the task', () => {
    const textOnly = [snap('a'), snap('b')];
    expect(eligibleModels(req({ task_type: 'image_analysis' }), textOnly, NOW)).toEqual({ eligible: [], reason: 'no_capable_model' });
  });

  it('answers no_capable_model when the named model does not support the task', () => {
    expect(eligibleModels(req({ model_id: 'vision' }), fleet, NOW).reason).toBe('no_capable_model');
  });

  it('keeps cooling-down models but orders them last, soonest to recover first', () => {
    const models = [
      snap('late', {}, { cooldownUntil: NOW + 9_000 }),
      snap('ready'),
      snap('soon', {}, { cooldownUntil: NOW + 1_000 }),
      snap('recovered', {}, { cooldownUntil: NOW }),
    ];
    expect(ids(eligibleModels(req(), models, NOW).eligible)).toEqual(['ready', 'recovered', 'soon', 'late']);
  });
});

describe('isCoolingDown', () => {
  it('is true only while cooldownUntil lies in the future', () => {
    expect(isCoolingDown(snap('m', {}, { cooldownUntil: NOW + 1 }), NOW)).toBe(true);
    expect(isCoolingDown(snap('m', {}, { cooldownUntil: NOW }), NOW)).toBe(false);
    expect(isCoolingDown(snap('m'), NOW)).toBe(false);
  });
});
