/**
 * Heap allocated by a piece of code, estimated with V8's sampling heap
 * profiler (one sample per `intervalBytes` allocated on average, objects
 * collected by minor and major GCs kept in the profile, so the total counts
 * garbage too), and the functions that allocated it. The style guide asks
 * hot loops to allocate nothing per bar; this says how far from that a
 * loop is, and where.
 */
import { Session } from 'node:inspector/promises';

export interface AllocationReport {
  /** Sampled bytes allocated while `fn` ran (an unbiased estimate of the total). */
  readonly bytes: number;
  /** The functions that allocated most (self, inlined callees included), bytes each, largest first. */
  readonly top: ReadonlyArray<{ readonly where: string; readonly bytes: number }>;
}

interface ProfileNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly ProfileNode[];
}

export async function sampleAllocation(fn: () => void, intervalBytes = 512, topN = 6): Promise<AllocationReport> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.enable');
    // The two "include" flags keep what the scavenger and the mark-compactor freed: garbage is what a hot loop should not make.
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: intervalBytes,
      includeObjectsCollectedByMinorGC: true,
      includeObjectsCollectedByMajorGC: true,
    } as { samplingInterval: number });
    fn();
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } };
    const byFunction = new Map<string, number>();
    let bytes = 0;
    const walk = (n: ProfileNode): void => {
      if (n.selfSize > 0) {
        const cf = n.callFrame;
        const where = `${cf.functionName || '(anonymous)'} (${cf.url.split('/').pop() ?? ''})`;
        byFunction.set(where, (byFunction.get(where) ?? 0) + n.selfSize);
        bytes += n.selfSize;
      }
      for (const c of n.children) walk(c);
    };
    walk(profile.head);
    const top = [...byFunction.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([where, b]) => ({ where, bytes: b }));
    return { bytes, top };
  } finally {
    await session.post('HeapProfiler.disable').catch(() => undefined);
    session.disconnect();
  }
}
