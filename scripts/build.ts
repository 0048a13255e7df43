// Bundles each Lambda entry point in functions/ into dist/<name>.mjs (ESM, Node 20+/22 runtime).
import { readdirSync } from 'node:fs';
import { build } from 'esbuild';

const entryPoints = readdirSync('functions')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `functions/${f}`);

await build({
  entryPoints,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS dependencies (kafkajs) call require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
process.stdout.write(`built ${entryPoints.length} functions into dist/\n`);
