// Child processes of the load bench: spawned in their own process group (so a whole tree can be
// signalled), stdout read line by line, stderr kept for error messages, and every one of them
// stopped when the bench exits — normally, on an error, or on Ctrl-C / SIGTERM.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface Proc {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Resolves with the exit code (null after a signal). */
  exited: Promise<number | null>;
  /** The first stdout line matching `re` (also one seen before the call), or an error on exit / timeout. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<string>;
  /** Everything it printed on stdout so far. */
  stdoutText(): string;
  /** The last lines of stderr (for error messages). */
  stderrTail(): string;
  /** Signals the whole process group. */
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<Proc>();
let hooked = false;

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const p of live) killGroup(p.pid, 'SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stderr.write(`load bench: ${sig}: stopping ${live.size} child process(es)\n`);
      const bounded = (p: Promise<unknown>): Promise<unknown> => Promise.race([p, new Promise((r) => setTimeout(r, 10_000))]);
      void bounded(stopAll())
        .then(() => bounded(Promise.allSettled([...cleanups].map((fn) => fn()))))
        .finally(() => process.exit(130));
    });
  }
}

const cleanups = new Set<() => Promise<void>>();

/** Runs `fn` (after the children are stopped) when the bench is interrupted; returns the unregister. */
export function onInterrupt(fn: () => Promise<void>): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Stops every child still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(3_000)));
}

export function spawnProc(name: string, command: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; log?: boolean }): Proc {
  hookExit();
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid === undefined) throw new Error(`cannot start ${name}: ${command} ${args.join(' ')}`);
  const pid = child.pid;
  const lines: string[] = [];
  const waiters = new Set<{ re: RegExp; resolve: (l: string) => void }>();
  const stderr: string[] = [];
  // AGENTSCHED_CHILD_STDERR_DIR=<dir>: every child's whole stderr also goes to <dir>/<name>-<pid>.log.
  const stderrDir = process.env['AGENTSCHED_CHILD_STDERR_DIR'];
  const stderrFile = stderrDir ? join(stderrDir, `${name}-${pid}.log`) : undefined;
  let exitCode: number | null | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    if (opts.log) process.stderr.write(`[${name}] ${line}\n`);
    for (const w of waiters) {
      if (w.re.test(line)) {
        waiters.delete(w);
        w.resolve(line);
      }
    }
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 40) stderr.shift();
    if (stderrFile) appendFileSync(stderrFile, `${new Date().toISOString()} ${line}\n`);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code) => {
      exitCode = code;
      live.delete(proc);
      resolve(code);
    });
  });
  const proc: Proc = {
    name,
    pid,
    child,
    exited,
    stdoutText: () => lines.join('\n'),
    stderrTail: () => stderr.slice(-15).join('\n'),
    waitForLine: (re, timeoutMs) => {
      const seen = lines.find((l) => re.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        const w = { re, resolve: (l: string) => { clearTimeout(timer); resolve(l); } };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`${name}: no line matching ${String(re)} within ${timeoutMs} ms\n${proc.stderrTail()}`));
        }, timeoutMs);
        waiters.add(w);
        void exited.then((code) => {
          if (!waiters.has(w)) return;
          waiters.delete(w);
          clearTimeout(timer);
          reject(new Error(`${name} exited (${String(code)}) before printing ${String(re)}\n${proc.stderrTail()}`));
        });
      });
    },
    signal: (sig) => {
      if (exitCode === undefined) killGroup(pid, sig);
    },
    stop: async (graceMs = 20_000) => {
      if (exitCode !== undefined) return;
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  live.add(proc);
  return proc;
}

/** `node --import tsx <entry> ...args`: node itself is the process (no npx / tsx wrapper in between). */
export function spawnTs(name: string, cwd: string, entry: string, args: string[], env?: NodeJS.ProcessEnv, log = false, nodeArgs: string[] = []): Proc {
  return spawnProc(name, process.execPath, [...nodeArgs, '--import', 'tsx', entry, ...args], { cwd, ...(env ? { env } : {}), log });
}

let clockTicks: number | undefined;

/** utime + stime of a process from /proc/<pid>/stat, in milliseconds (undefined once it is gone). */
export function cpuMs(pid: number): number | undefined {
  clockTicks ??= (() => {
    try {
      return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      return 100;
    }
  })();
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return ((utime + stime) * 1000) / clockTicks;
}
