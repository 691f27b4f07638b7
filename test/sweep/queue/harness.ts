/**
 * A real redis-server and real `cascade worker` processes for the queue
 * tests: Debian's redis-server on a free loopback port with persistence off
 * (nothing written to disk, nothing left behind), workers spawned as the CLI
 * would be run by hand.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT_ROOT } from '../../../src/config/resolveTarget.js';

/** Path of redis-server, or why the tests skip. */
export function findRedisServer(): { path: string } | { missing: string } {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) return { missing: 'redis-server is not installed (apt-get install redis-server; .ci/run does it)' };
  return { path: 'redis-server' };
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr !== null && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves once `proc` has printed a line matching `re` on stdout; rejects if it exits first or after timeoutMs. */
export function waitForLine(proc: ChildProcess, out: { text: string }, re: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms; output so far:\n${out.text}`)), timeoutMs);
    const check = (): void => {
      if (re.test(out.text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout?.on('data', check);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`process exited (${code ?? signal}) before printing ${re}; output:\n${out.text}`));
    });
    check();
  });
}

export interface Spawned {
  readonly proc: ChildProcess;
  readonly out: { text: string };
}

function spawnCollecting(cmd: string, args: string[], env: NodeJS.ProcessEnv): Spawned {
  const proc = spawn(cmd, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { text: '' };
  proc.stdout?.on('data', (d: Buffer) => (out.text += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out.text += d.toString()));
  return { proc, out };
}

export async function startRedis(redisPath: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freeLoopbackPort();
  const s = spawnCollecting(redisPath, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], process.env);
  await waitForLine(s.proc, s.out, /Ready to accept connections/, 15_000);
  return { url: `redis://127.0.0.1:${port}`, stop: () => stop(s.proc) };
}

/** The CLI as a separate node process (tsx loaded the way bin/cascade.mjs loads it). */
export function spawnCli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Spawned {
  return spawnCollecting(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/cli/main.ts'), ...args], { ...process.env, ...extraEnv });
}

export function spawnWorker(url: string, name: string, extraArgs: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Spawned {
  return spawnCli(['worker', '--queue', url, '--name', name, ...extraArgs], extraEnv);
}

/** The exit code (or the signal's name); rejects after timeoutMs. */
export function exitCode(proc: ChildProcess, timeoutMs: number): Promise<number | string> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode ?? String(proc.signalCode));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`process ${proc.pid} still running after ${timeoutMs} ms`)), timeoutMs);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? String(signal));
    });
  });
}

export async function stop(proc: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill(signal);
  await Promise.race([exited, sleep(10_000).then(() => proc.kill('SIGKILL'))]);
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs: number, everyMs = 100): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
