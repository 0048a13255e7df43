import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from 'commander';

const BENCH_DIR = fileURLToPath(new URL('../../../bench/', import.meta.url));

function available(): string[] {
  if (!existsSync(BENCH_DIR)) return [];
  return readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** `agentsched bench <name>`: runs a benchmark of `bench/` and prints its JSON (same as `npm run bench -- <name>`). */
export function register(program: Command): void {
  program
    .command('bench')
    .description(`Run a benchmark and print machine-readable JSON (${available().join(', ') || 'none found'})`)
    .argument('<name>', 'benchmark name')
    .argument('[args...]', 'arguments passed to the benchmark, e.g. --seconds 3')
    .allowUnknownOption(true)
    .addHelpText('after', '\nUses KAFKA_BROKERS / DYNAMODB_ENDPOINT when set (the real services), else in-process defaults.')
    .action(async (name: string, args: string[]) => {
      if (!available().includes(name)) throw new Error(`no benchmark "${name}"; available: ${available().join(', ')}`);
      const mod = (await import(pathToFileURL(`${BENCH_DIR}${name}.ts`).href)) as { run?: (a: string[]) => Promise<unknown> };
      if (typeof mod.run !== 'function') throw new Error(`bench/${name}.ts does not export run(args)`);
      const result = await mod.run(args);
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      process.exit(0);
    });
}
