import cliProgress from 'cli-progress';

/** A progress bar on stderr for long runs, only when stderr is a terminal. */
export class ProgressReporter {
  private readonly bar?: cliProgress.SingleBar;

  constructor(enabled: boolean, total: number) {
    if (enabled && process.stderr.isTTY && total >= 50_000) {
      this.bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'bars {bar} {value}/{total} {eta}s' }, cliProgress.Presets.shades_classic);
      this.bar.start(total, 0);
    }
  }

  readonly update = (done: number): void => {
    this.bar?.update(done);
  };

  stop(): void {
    this.bar?.stop();
  }
}
