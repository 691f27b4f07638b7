/**
 * Outside reference points for the benches, read from the peers directory
 * (CASCADE_PEERS_DIR, default: shared/peers in the checkout's parent; the
 * repository holds no peer code): the scalar C limit of the pricing kernel
 * (bs_limit.c, compiled with `cc -O3 -march=native`) and the NumPy/SciPy
 * engine peer (w1_numpy.py). Each returns a number or a reason it could not
 * run, which the bench prints instead of the line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export type PeerResult = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly reason: string };

export function peersDir(): string {
  return process.env.CASCADE_PEERS_DIR ?? resolve(import.meta.dirname, '..', '..', 'shared', 'peers');
}

function peerFile(name: string): string | undefined {
  const p = join(peersDir(), name);
  return existsSync(p) ? p : undefined;
}

/** bs_limit.c compiled once; run() gives its ns per option (its median of 7 passes over 1e6 options). */
export interface CLimit {
  run(): PeerResult;
  dispose(): void;
}

export function compileCLimit(): CLimit | string {
  const src = peerFile('bs_limit.c');
  if (src === undefined) return `no bs_limit.c in ${peersDir()} (set CASCADE_PEERS_DIR)`;
  const cc = process.env.CC ?? 'cc';
  const probe = spawnSync(cc, ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) return `no C compiler ('${cc} --version' failed)`;
  const dir = mkdtempSync(join(tmpdir(), 'cascade-peer-c-'));
  const dispose = (): void => rmSync(dir, { recursive: true, force: true });
  const exe = join(dir, 'bs_limit');
  const build = spawnSync(cc, ['-O3', '-march=native', '-o', exe, src, '-lm'], { encoding: 'utf8' });
  if (build.status !== 0) {
    dispose();
    return `${cc} -O3 -march=native failed: ${(build.stderr ?? '').trim().split('\n')[0]}`;
  }
  return {
    dispose,
    run(): PeerResult {
      const r = spawnSync(exe, [], { encoding: 'utf8' });
      const m = /c_o3_ns_per_option\s+([0-9.]+)/.exec(r.stdout ?? '');
      if (r.status !== 0 || m === null) return { ok: false, reason: `bs_limit did not print its figure (exit ${r.status})` };
      return { ok: true, value: Number(m[1]) };
    },
  };
}

/** Whether python3 with NumPy and SciPy is present (checked once). */
let numpyReason: string | null | undefined;
function numpyMissing(): string | null {
  if (numpyReason === undefined) {
    const py = spawnSync('python3', ['-c', 'import numpy, scipy.special'], { encoding: 'utf8' });
    numpyReason = py.error !== undefined ? 'no python3' : py.status !== 0 ? 'python3 has no NumPy/SciPy (Debian: python3-numpy python3-scipy)' : null;
  }
  return numpyReason;
}

/** Bars per second of w1_numpy.py over `bars` bars (one run). */
export function numpyPeer(bars: number): PeerResult {
  const src = peerFile('w1_numpy.py');
  if (src === undefined) return { ok: false, reason: `no w1_numpy.py in ${peersDir()} (set CASCADE_PEERS_DIR)` };
  const missing = numpyMissing();
  if (missing !== null) return { ok: false, reason: missing };
  const run = spawnSync('python3', [src, String(bars)], { encoding: 'utf8' });
  const m = /bars_per_s\s+([0-9.]+)/.exec(run.stdout ?? '');
  if (run.status !== 0 || m === null) return { ok: false, reason: `w1_numpy.py did not print its figure (exit ${run.status}): ${(run.stderr ?? '').trim().split('\n').pop()}` };
  return { ok: true, value: Number(m[1]) };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}
