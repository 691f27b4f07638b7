import cliProgress from 'cli-progress';

/**
 * Sweep progress on stderr: a bar (done/total, rate, ETA, best so far) on a
 * terminal; off a terminal (a log, CI) plain lines, at most one a second
 * plus the last, so a log of a 10,000-trial sweep stays readable.
 */
export class SweepProgress {
  private bar?: cliProgress.SingleBar;
  private readonly started = performance.now();
  private lastLine = 0;
  private startDone = -1;

  constructor(private readonly enabled: boolean) {}

  update(done: number, total: number, best: string): void {
    if (!this.enabled) return;
    if (this.startDone < 0) this.startDone = done - 1;
    const secs = (performance.now() - this.started) / 1000;
    const ran = done - this.startDone;
    const rate = secs > 0 ? ran / secs : 0;
    const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
    if (process.stderr.isTTY) {
      if (!this.bar) {
        this.bar = new cliProgress.SingleBar(
          { stream: process.stderr, format: 'sweep {bar} {value}/{total} trials | {rate}/s | ETA {etaText} | best {best}', hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        this.bar.start(total, done, { rate: '0', etaText: '-', best });
      }
      this.bar.setTotal(total);
      this.bar.update(done, { rate: rate.toFixed(2), etaText: `${eta}s`, best });
      return;
    }
    const now = performance.now();
    if (done < total && now - this.lastLine < 1000) return;
    this.lastLine = now;
    process.stderr.write(`sweep: ${done}/${total} trials, ${rate.toFixed(2)}/s, ETA ${eta}s, best ${best}\n`);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
