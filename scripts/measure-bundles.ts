// Bundle sizes and cold-start import times of the Lambda functions, as JSON on stdout.
//
//   npx tsx scripts/measure-bundles.ts [--runs 15]
//   npx tsx scripts/measure-bundles.ts --dir /tmp/other/dist --config /tmp/other/agentsched.yaml
//                                       # another build's bundles (no build, no zips)
//   … --enable-source-maps               # import as with NODE_OPTIONS=--enable-source-maps
//
// Builds (scripts/build.ts), packages the `local` stage offline (osls), then for each function:
// the zip serverless would upload, the bundle, and the time a fresh Node process takes to import
// the bundle — module evaluation, configuration load and client construction, which is what a
// Lambda cold start runs before the first event (no network: nothing connects at import). On a
// shared machine the minimum is the figure to compare; the median shows the noise.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' }, dir: { type: 'string' }, config: { type: 'string' }, 'enable-source-maps': { type: 'boolean', default: false } } });
const nodeFlags = values['enable-source-maps'] ? ['--enable-source-maps'] : [];
const runs = Math.max(1, Number(values.runs));
const FUNCTIONS = ['schedule', 'call', 'reaper', 'autoscale'];
const dir = values.dir ?? 'dist';

let out: string | undefined;
if (values.dir === undefined) {
  execFileSync('npx', ['tsx', 'scripts/build.ts'], { stdio: 'ignore' });
  out = mkdtempSync(join(tmpdir(), 'agentsched-measure-'));
  execFileSync('npx', ['serverless', 'package', '--stage', 'local', '--package', out], { stdio: 'ignore', env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' } });
}

const env = {
  PATH: process.env['PATH'] ?? '',
  AGENTSCHED_CONFIG: values.config ?? 'config/agentsched.local.yaml',
  AGENTSCHED_CALL_FUNCTION: 'agentsched-local-call',
  SCHEDULE_FUNCTION_NAME: 'agentsched-local-schedule',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'measure',
  AWS_SECRET_ACCESS_KEY: 'measure',
  // The SDK's "upgrade Node" notice is not part of a cold start on the nodejs22.x runtime.
  AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
};

function importMs(file: string): number {
  const code = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(resolve(file)).href)}); process.stdout.write(String(performance.now() - t));`;
  const r = spawnSync(process.execPath, ['--no-warnings', ...nodeFlags, '--input-type=module', '-e', code], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`importing ${file} failed: ${r.stderr}`);
  return Number(r.stdout);
}

/** The entry and every file it imports statically (what is compiled at cold start); `import()` excluded. */
function staticFiles(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  for (const m of readFileSync(entry, 'utf8').matchAll(/(?:^|[;\s}])import\s*(?:[\w*${}\s,]+from\s*)?["'](\.{1,2}\/[^"']+)["']/g)) {
    staticFiles(join(dirname(entry), m[1]!), seen);
  }
  return seen;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number): number => Math.round(x * 10) / 10;

const functions: Record<string, unknown> = {};
for (const fn of FUNCTIONS) {
  const bundle = join(dir, `${fn}.mjs`);
  importMs(bundle); // warm the file cache: the first run measures the disk, not the import
  const times = Array.from({ length: runs }, () => importMs(bundle));
  functions[fn] = {
    ...(out !== undefined ? { zip_bytes: statSync(join(out, `${fn}.zip`)).size } : {}),
    // Entry + statically imported chunks: the code a cold start parses and runs.
    static_bytes: [...staticFiles(bundle)].reduce((n, f) => n + statSync(f).size, 0),
    import_ms_median: round(median(times)),
    import_ms_min: round(Math.min(...times)),
    import_ms_max: round(Math.max(...times)),
  };
}
process.stdout.write(`${JSON.stringify({ node: process.version, dir, runs, enable_source_maps: nodeFlags.length > 0, functions }, null, 2)}\n`);
