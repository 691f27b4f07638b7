import { z } from 'zod';
import { strategyOptionsSchema } from './strategyOptionsSchema.js';

/** A bundled strategy's id (`strategies/<id>.ts`), as opposed to a path to a module. */
export function isStrategyId(pathOrId: string): boolean {
  return /^[a-z0-9][a-z0-9-]*$/.test(pathOrId);
}

/**
 * The strategy under test (docs/strategies.md). Absent by default: a scenario
 * without it runs no strategy and its outputs are those of the model alone.
 */
export const strategySchema = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .describe('Strategy module: a path to a .ts file (relative to the scenario file) or the id of one in strategies/ (strategies/<id>.ts).'),
    params: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('Parameters checked against the strategy\'s own schema; missing ones take its defaults. Default {}.'),
    capitalQuote: z.number().positive().default(1_000_000).describe('Starting cash of the strategy, quote. Default 1000000.'),
    maxLeverage: z
      .number()
      .positive()
      .default(1)
      .describe('Largest gross position value over equity an order may leave (counting open limit orders as filled); 1 = cash only. Default 1.'),
    maintenanceMargin: z
      .number()
      .min(0)
      .max(1)
      .default(0.05)
      .describe('Equity over position value below which the position is liquidated into the book (cause liquidation), decimal. Default 0.05.'),
    options: strategyOptionsSchema.prefault({}),
    naiveTwin: z.boolean().default(true).describe('Also run the strategy on the same bars with no market model (fills at the historical close). Default true.'),
  })
  .describe('A strategy run inside the crash, acting last in every cascade round.');

export type StrategyConfig = z.output<typeof strategySchema>;
