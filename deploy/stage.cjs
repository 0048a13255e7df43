// serverless.yml reads `custom.stage` from here: `${file(./deploy/stage.cjs):plan}`. The logic is
// TypeScript (lib/deploy/plan.ts), loaded through tsx; this file only gathers the stage's params.
'use strict';
const path = require('node:path');
const tsx = require('tsx/cjs/api');

async function plan({ options, resolveConfigurationProperty }) {
  const service = (await resolveConfigurationProperty(['service'])) || 'agentsched';
  const stage = options.stage || (await resolveConfigurationProperty(['provider', 'stage'])) || 'dev';
  const declared = (await resolveConfigurationProperty(['params'])) || {};
  const cli = {};
  for (const item of options.param || []) {
    const at = item.indexOf('=');
    if (at > 0) cli[item.slice(0, at)] = item.slice(at + 1).trim();
  }
  const params = { ...(declared.default || {}), ...(declared[stage] || {}), ...cli };
  const { planStage } = tsx.require('../lib/deploy/plan.ts', __filename);
  try {
    return planStage({ stage, service, params, serviceDir: path.join(__dirname, '..') });
  } catch (err) {
    // One clear message instead of a stack trace (serverless prints `stack`).
    if (err && err.code === 'stage_refused') err.stack = err.message;
    throw err;
  }
}

module.exports = { plan };
