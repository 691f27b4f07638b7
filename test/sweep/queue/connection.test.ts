import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { parseQueueUrl } from '../../../src/sweep/queue/connection.js';
import { DEFAULT_RETRY, trialJobOptions } from '../../../src/sweep/queue/enqueue.js';
import { runSweepOnQueue } from '../../../src/sweep/queue/coordinator.js';
import { cli } from '../../cli/capture.js';
import { freeLoopbackPort } from './harness.js';

describe('parseQueueUrl', () => {
  it.each([
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['redis://queue.lab.internal:7000/2', 'redis://queue.lab.internal:7000/2'],
    ['rediss://user:secret@10.0.0.5:6380', 'rediss://user:secret@10.0.0.5:6380'],
  ])('accepts %s', (text, normal) => {
    expect(parseQueueUrl(text)).toBe(normal);
  });

  it.each([
    ['localhost:6379', /uses localhost:; expected redis:\/\/host:port/],
    ['not a url', /is not a URL/],
    ['http://127.0.0.1:6379', /uses http:/],
    ['redis://127.0.0.1', /has no port/],
    ['redis://127.0.0.1:6379/queue', /must be a database number/],
    ['redis://127.0.0.1:6379?db=1', /query and fragment are not supported/],
  ])('refuses %s, naming the flag', (text, why) => {
    expect(() => parseQueueUrl(text)).toThrow(ConfigError);
    expect(() => parseQueueUrl(text)).toThrow(why);
    expect(() => parseQueueUrl(text)).toThrow(/^field '--queue'/);
  });
});

describe('trial job options', () => {
  it('the key is the job id; retries back off exponentially; finished jobs leave, failed ones stay', () => {
    expect(trialJobOptions('abc', DEFAULT_RETRY)).toEqual({
      jobId: 'abc',
      attempts: 4,
      backoff: { type: 'exponential', delay: 5000 },
      removeOnComplete: true,
      removeOnFail: false,
    });
  });
});

describe('cascade worker: bad flags are one line and exit 1 before connecting', () => {
  it.each([
    [['worker', '--queue', 'redis://127.0.0.1'], /has no port/],
    [['worker', '--queue', 'redis://127.0.0.1:6379', '--concurrency', '0'], /field '--concurrency': '0' is not an integer ≥ 1/],
    [['worker', '--queue', 'redis://127.0.0.1:6379', '--lock-ms', '2.5'], /field '--lock-ms'/],
  ])('%j', async (args, why) => {
    const r = await cli(args);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(why);
    expect(r.err.trimEnd().split('\n').length).toBe(1);
  });

  it('--queue is required', async () => {
    const r = await cli(['worker']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--queue <url>/);
  });
});

describe('nothing listening at the address', () => {
  it('worker and coordinator fail in one line within the reachability timeout instead of waiting forever', async () => {
    const port = await freeLoopbackPort();
    const t0 = performance.now();
    const r = await cli(['worker', '--queue', `redis://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`field '--queue': no Redis answered at redis://127.0.0.1:${port} within 5 s \\(.*ECONNREFUSED.*\\)`));
    expect(r.err.trimEnd().split('\n').length).toBe(1);
    await expect(runSweepOnQueue({ url: `redis://127.0.0.1:${port}`, specs: [], codeVersion: 'v' })).rejects.toThrow(/no Redis answered/);
    expect(performance.now() - t0).toBeLessThan(15_000);
  });
});

describe('cascade sweep --queue: flags refused before anything runs', () => {
  const FILE = 'test/sweep/queue/fixtures/eight.yaml';
  it.each([
    [['sweep', FILE, '--queue', 'redis://127.0.0.1:6379', '--workers', '2'], /field '--workers': --workers sets the local pool/],
    [['sweep', FILE, '--retry-failed'], /field '--retry-failed': --retry-failed needs --queue/],
    [['sweep', FILE, '--queue', 'redis://127.0.0.1'], /field '--queue': 'redis:\/\/127.0.0.1' has no port/],
  ])('%j', async (args, why) => {
    const r = await cli(args);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(why);
    expect(r.err.trimEnd().split('\n').length).toBe(1);
  });
});
