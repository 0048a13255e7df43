import type { Command } from 'commander';
import { register as registerSim } from './sim.js';
import { register as registerModels } from './models.js';
import { register as registerCapacity } from './capacity.js';
import { register as registerGateway } from './gateway.js';
import { register as registerSend } from './send.js';
import { register as registerTopics } from './topics.js';
import { register as registerDev } from './dev.js';
import { register as registerDemo } from './demo.js';
import { register as registerBench } from './bench.js';
import { register as registerWorker } from './worker.js';
import { register as registerDrill } from './drill.js';

/**
 * Every CLI command lives in a file of its own in this folder and exports `register(program)`.
 * Add one line here per command.
 */
export function registerCommands(_program: Command): void {
  registerSim(_program);
  registerModels(_program);
  registerCapacity(_program);
  registerGateway(_program);
  registerSend(_program);
  registerTopics(_program);
  registerDev(_program);
  registerDemo(_program);
  registerBench(_program);
  registerWorker(_program);
  registerDrill(_program);
}
