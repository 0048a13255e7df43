import { Command } from 'commander';
import { AgentSchedError } from '../errors/index.js';
import { registerCommands } from './commands/index.js';

const program = new Command('agentsched')
  .description('AgentSched: Kafka-driven priority scheduler for LLM agents')
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode));

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const message = err instanceof AgentSchedError ? `${err.code}: ${err.message}` : String((err as Error)?.message ?? err);
  process.stderr.write(`agentsched: ${message}\n`);
  process.exit(1);
}
