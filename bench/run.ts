// `npm run bench -- <name> [args…]`: runs `bench/<name>.ts`, whose `run(args)` returns a JSON-able
// result, and prints that result as JSON on stdout (progress and diagnostics go to stderr).
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What every benchmark module exports. */
export interface BenchModule {
  run(args: string[]): Promise<unknown>;
}

const dir = fileURLToPath(new URL('.', import.meta.url));
const available = (): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
    .map((f) => f.slice(0, -3))
    .sort();

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}

const [name, ...args] = process.argv.slice(2);
if (!name || name.startsWith('-')) fail(`usage: npm run bench -- <name> [args]; benchmarks: ${available().join(', ')}`);
if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) fail(`not a benchmark name: ${name}`);
const file = `${dir}${name}.ts`;
if (!existsSync(file)) fail(`no benchmark "${name}"; benchmarks: ${available().join(', ')}`);

try {
  const mod = (await import(pathToFileURL(file).href)) as Partial<BenchModule>;
  if (typeof mod.run !== 'function') fail(`bench/${name}.ts does not export run(args)`);
  const result = await mod.run(args);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  // Benchmarks may leave pooled sockets or timers behind: the result is out, we are done.
  process.exit(0);
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
