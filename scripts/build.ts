// Bundles each Lambda entry point in functions/ into dist/<name>.mjs (ESM, Node 22 runtime),
// whitespace-minified: measured with scripts/measure-bundles.ts, full minification (identifiers,
// syntax) shrank the zip a little more but made the cold-start import ~10 ms slower than the
// unminified build, whitespace-only ~5 ms faster, and it keeps names in stack traces.
// Code shared by the functions and code loaded only on demand (the Secrets Manager / SSM
// providers, the MSK IAM signer) go to dist/chunks/: a function compiles at cold start only
// what it imports statically, so a stage without secrets never parses those clients.
// serverless.yml packages each function's entry with the chunks.
// Source maps only with AGENTSCHED_SOURCEMAPS=1, written to dist/maps/ — outside the zips — for
// symbolicating a stack trace by hand (https://esbuild.github.io/api/#sourcemap).
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
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
  minifyWhitespace: true,
  sourcemap: maps ? 'external' : false,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: maps,
  // CommonJS dependencies (kafkajs) call require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
if (maps) {
  // External maps sit next to the bundles; move them out of the packaged paths.
  for (const out of Object.keys(result.metafile?.outputs ?? {}).filter((f) => f.endsWith('.map'))) {
    const to = out.replace(/^dist\//, 'dist/maps/');
    mkdirSync(dirname(to), { recursive: true });
    renameSync(out, to);
  }
}
process.stdout.write(`built ${entryPoints.length} functions into dist/${maps ? ' (source maps in dist/maps)' : ''}\n`);
