import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from 'commander';

const DRILL = fileURLToPath(new URL('../../../bench/drill.ts', import.meta.url));

interface DrillModule {
  run?: (args: string[]) => Promise<boolean>;
  USAGE?: string;
}

/** `agentsched drill`: the fault drills of `bench/drill/` (same as `npm run drill`); exit 1 when a check fails. */
export function register(program: Command): void {
  program
    .command('drill')
    .description('Run the fault drills (kill, broker and table outages, model faults, poison, overload): one line per drill, exit 1 if a check fails')
    .argument('[args...]', 'e.g. --only kill-call --requests 100 --json')
    .allowUnknownOption(true)
    .helpOption(false)
    .addHelpText('after', '\nNeeds the real services (npm run services:start); starts its own broker and table for the outages.')
    .action(async (args: string[]) => {
      const mod = (await import(pathToFileURL(DRILL).href)) as DrillModule;
      if (typeof mod.run !== 'function') throw new Error('bench/drill.ts does not export run(args)');
      if (args.includes('--help') || args.includes('-h')) {
        process.stdout.write(`${mod.USAGE ?? ''}\n`);
        return;
      }
      const ok = await mod.run(args);
      process.exit(ok ? 0 : 1);
    });
}
