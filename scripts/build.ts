// Bundles each Lambda entry point in functions/ into dist/<name>.mjs (ESM, Node 22 runtime),
// minified. Code shared by the functions and code loaded only on demand (the Secrets Manager /
// SSM providers, the MSK IAM signer) go to dist/chunks/: a function compiles at cold start only
// what it imports statically, so a stage without secrets never parses those clients.
// serverless.yml packages each function's entry with the chunks.
// Source maps only with AGENTSCHED_SOURCEMAPS=1, written to dist/maps/ — outside the zips — for
// symbolicating a stack trace by hand (https://esbuild.github.io/api/#sourcemap).
import { readdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const entryPoints = readdirSync('functions')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `functions/${f}`);
const maps = process.env['AGENTSCHED_SOURCEMAPS'] === '1';

rmSync('dist', { recursive: true, force: true });
const result = await build({
  entryPoints,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  minify: true,
  // Keep class and function names: errors are matched and logged by name (AgentSchedError).
  keepNames: true,
  sourcemap: maps ? 'external' : false,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: maps,
  // CommonJS dependencies (kafkajs) call require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
if (maps) {
  // External maps sit next to the bundles; move them out of the packaged paths.
  const { renameSync, mkdirSync } = await import('node:fs');
  mkdirSync('dist/maps', { recursive: true });
  for (const out of Object.keys(result.metafile?.outputs ?? {}).filter((f) => f.endsWith('.map'))) {
    renameSync(out, out.replace(/^dist\//, 'dist/maps/'));
  }
}
process.stdout.write(`built ${entryPoints.length} functions into dist/${maps ? ' (source maps in dist/maps)' : ''}\n`);
