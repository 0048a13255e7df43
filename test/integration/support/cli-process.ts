import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/**
 * `agentsched <args>` in a child process, resolved once it prints "Ctrl-C to stop" (ready).
 * `cleanups` gets a SIGKILL for it, so a failing test leaves no process behind. The environment's
 * broker and table variables are cleared: the config file names them.
 */
export function startCli(args: readonly string[], cleanups: (() => Promise<void>)[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/agentsched.js', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, KAFKA_BROKERS: '', DYNAMODB_ENDPOINT: '' },
  });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    return Promise.resolve();
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ctrl-C to stop')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`agentsched ${args[0] ?? ''} exited early (${code}): ${out}`)));
  });
}
