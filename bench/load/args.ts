// Command line of `npm run bench -- load`.
import { resolve } from 'node:path';
import { holScenario, overheadScenario, priorityScenario } from './scenarios/latency.js';
import { longScenario, recoveryScenario, saturationScenario, throughputScenario } from './scenarios/rate.js';
import type { Scenario } from './scenarios/common.js';

export const SCENARIOS: readonly Scenario[] = [overheadScenario, holScenario, saturationScenario, priorityScenario, throughputScenario, recoveryScenario, longScenario];

export interface LoadArgs {
  scenarios: Scenario[];
  seconds?: number;
  rate?: number;
  drainS?: number;
  out: string;
  schedulerDir: string;
  log: boolean;
  /** `--set key.path=JSON` overrides of the generated scheduler configuration. */
  set: [string[], unknown][];
}

export const USAGE = `npm run bench -- load --scenario <${SCENARIOS.map((s) => s.name).join('|')}|all>[,...]
  [--seconds S] [--rate R] [--drain-s S] [--out DIR (default bench/results)]
  [--scheduler-dir DIR (run agentsched dev from another checkout)] [--set key.path=JSON]... [--log]
${SCENARIOS.map((s) => `  ${s.name.padEnd(11)} ${s.summary}`).join('\n')}`;

function positive(name: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number\n${USAGE}`);
  return n;
}

export function parseLoadArgs(argv: readonly string[], root: string): LoadArgs {
  const out: LoadArgs = { scenarios: [], out: resolve(root, 'bench/results'), schedulerDir: root, log: false, set: [] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    switch (flag) {
      case '--scenario': {
        if (!value) throw new Error(`--scenario needs a name\n${USAGE}`);
        for (const name of value.split(',').map((s) => s.trim())) {
          if (name === 'all') out.scenarios.push(...SCENARIOS);
          else {
            const s = SCENARIOS.find((x) => x.name === name);
            if (!s) throw new Error(`unknown scenario "${name}"\n${USAGE}`);
            out.scenarios.push(s);
          }
        }
        i++;
        break;
      }
      case '--seconds':
        out.seconds = positive('seconds', value);
        i++;
        break;
      case '--rate':
        out.rate = positive('rate', value);
        i++;
        break;
      case '--drain-s':
        out.drainS = positive('drain-s', value);
        i++;
        break;
      case '--out':
        if (!value) throw new Error(`--out needs a directory\n${USAGE}`);
        out.out = resolve(value);
        i++;
        break;
      case '--scheduler-dir':
        if (!value) throw new Error(`--scheduler-dir needs a directory\n${USAGE}`);
        out.schedulerDir = resolve(value);
        i++;
        break;
      case '--set': {
        const m = /^([A-Za-z0-9_.]+)=(.*)$/.exec(value ?? '');
        if (!m) throw new Error(`--set needs key.path=value, e.g. kafka.batch_window_ms=0\n${USAGE}`);
        let v: unknown = m[2];
        try {
          v = JSON.parse(m[2]!);
        } catch {
          // a plain string
        }
        out.set.push([m[1]!.split('.'), v]);
        i++;
        break;
      }
      case '--log':
        out.log = true;
        break;
      default:
        throw new Error(`unknown argument "${flag}"\n${USAGE}`);
    }
  }
  if (out.scenarios.length === 0) throw new Error(`--scenario is required\n${USAGE}`);
  return out;
}
