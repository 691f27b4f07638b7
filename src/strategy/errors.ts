import { CascadeError } from '../core/errors.js';

/** A strategy's own code threw: the run stops, naming the strategy, the bar and the message. */
export class StrategyError extends CascadeError {
  readonly strategyId: string;
  readonly bar: number;

  constructor(strategyId: string, bar: number, cause: unknown) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(`strategy ${strategyId} failed at bar ${bar}: ${message}`);
    this.strategyId = strategyId;
    this.bar = bar;
    this.cause = cause;
  }
}
