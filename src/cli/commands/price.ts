/**
 * `price` and `iv` commands: one option from flags (JSON out) or a CSV of
 * options (CSV out). Parsing and printing only; the numbers come from
 * src/pricing. User mistakes are ConfigError (flags) or DataError (CSV rows,
 * with file, line and field), which main.ts prints on one line.
 */
import type { Command } from 'commander';
import { CascadeError, ConfigError, DataError } from '../../core/errors.js';
import { readInputText } from '../../core/files.js';
import { black76, blackScholes } from '../../pricing/blackScholes.js';
import type { Greeks, OptionType } from '../../pricing/blackScholes.js';
import { impliedVol, impliedVolBlack76 } from '../../pricing/impliedVol.js';
import { checkColumnCounts, parseNumberField, readRawTable } from '../../data/csv/table.js';
import { csvField } from '../../core/format.js';

export type PricingModel = 'bs' | 'black76';

/** Units of every output, printed with the numbers so nobody has to guess. */
export const GREEK_UNITS = {
  price: 'currency of spot and strike',
  delta: 'per unit of spot (black76: of forward)',
  gamma: 'per unit of spot squared (black76: of forward)',
  vega: 'per unit vol (0.01 = 1 vol point)',
  theta: 'per year (calendar time; divide by 365 for per day)',
  rho: 'per unit rate (0.01 = 1%); black76: forward held fixed',
  vanna: 'd delta / d vol, per unit vol',
  volga: 'd vega / d vol, per unit vol',
} as const;

const GREEK_COLUMNS = ['price', 'delta', 'gamma', 'vega', 'theta', 'rho', 'vanna', 'volga'] as const;

interface FlagOptions {
  type?: string;
  spot?: string;
  forward?: string;
  strike?: string;
  years?: string;
  vol?: string;
  price?: string;
  rate?: string;
  dividend?: string;
  model?: string;
  csv?: string;
}

function flagNumber(raw: string | undefined, flag: string, rule: 'positive' | 'finite' | 'nonnegative', fallback?: number): number {
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw new ConfigError(`missing required option ${flag}`, { field: flag });
  }
  const v = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(v)) throw new ConfigError(`not a finite number: '${raw}'`, { field: flag });
  if (rule === 'positive' && !(v > 0)) throw new ConfigError(`must be > 0, got ${raw}`, { field: flag });
  if (rule === 'nonnegative' && !(v >= 0)) throw new ConfigError(`must be >= 0, got ${raw}`, { field: flag });
  return v;
}

function flagType(raw: string | undefined): OptionType {
  if (raw === undefined) throw new ConfigError('missing required option --type (call or put)', { field: '--type' });
  const t = raw.trim().toLowerCase();
  if (t === 'call' || t === 'put') return t;
  throw new ConfigError(`must be 'call' or 'put', got '${raw}'`, { field: '--type' });
}

function flagModel(raw: string | undefined): PricingModel {
  if (raw === undefined || raw === 'bs') return 'bs';
  if (raw === 'black76') return 'black76';
  throw new ConfigError(`must be 'bs' or 'black76', got '${raw}'`, { field: '--model' });
}

/** The underlying flag: --spot for bs; --forward (or --spot) for black76. */
function flagUnderlying(o: FlagOptions, model: PricingModel): { name: 'spot' | 'forward'; value: number } {
  if (model === 'black76') {
    const raw = o.forward ?? o.spot;
    return { name: 'forward', value: flagNumber(raw, o.forward !== undefined ? '--forward' : '--spot', 'positive') };
  }
  if (o.forward !== undefined) throw new ConfigError('--forward needs --model black76; use --spot for Black-Scholes', { field: '--forward' });
  return { name: 'spot', value: flagNumber(o.spot, '--spot', 'positive') };
}

function rejectCsvMix(o: FlagOptions): void {
  for (const flag of ['type', 'spot', 'forward', 'strike', 'years', 'vol', 'price'] as const) {
    if (o[flag] !== undefined) {
      throw new ConfigError(`--${flag} cannot be combined with --csv (the file gives it per row)`, { field: `--${flag}` });
    }
  }
}

/** `price` for one option from flags: the JSON object printed. */
export function priceFromFlags(o: FlagOptions): Record<string, unknown> {
  const model = flagModel(o.model);
  const type = flagType(o.type);
  const under = flagUnderlying(o, model);
  const strike = flagNumber(o.strike, '--strike', 'positive');
  const years = flagNumber(o.years, '--years', 'finite');
  const vol = flagNumber(o.vol, '--vol', 'nonnegative');
  const rate = flagNumber(o.rate, '--rate', 'finite', 0);
  if (model === 'black76' && o.dividend !== undefined) {
    throw new ConfigError('black76 has no dividend (the forward carries it)', { field: '--dividend' });
  }
  const dividend = flagNumber(o.dividend, '--dividend', 'finite', 0);
  const g: Greeks =
    model === 'bs'
      ? blackScholes(type, under.value, strike, years, vol, rate, dividend)
      : black76(type, under.value, strike, years, vol, rate);
  const inputs =
    model === 'bs'
      ? { model, type, spot: under.value, strike, years, vol, rate, dividend }
      : { model, type, forward: under.value, strike, years, vol, rate };
  return { inputs, ...g, units: GREEK_UNITS };
}

/** `iv` for one option from flags: the JSON object printed. */
export function ivFromFlags(o: FlagOptions): Record<string, unknown> {
  const model = flagModel(o.model);
  const type = flagType(o.type);
  const under = flagUnderlying(o, model);
  const strike = flagNumber(o.strike, '--strike', 'positive');
  const years = flagNumber(o.years, '--years', 'positive');
  const price = flagNumber(o.price, '--price', 'finite');
  const rate = flagNumber(o.rate, '--rate', 'finite', 0);
  if (model === 'black76' && o.dividend !== undefined) {
    throw new ConfigError('black76 has no dividend (the forward carries it)', { field: '--dividend' });
  }
  const dividend = flagNumber(o.dividend, '--dividend', 'finite', 0);
  let vol: number;
  try {
    vol =
      model === 'bs'
        ? impliedVol(type, price, under.value, strike, years, rate, dividend)
        : impliedVolBlack76(type, price, under.value, strike, years, rate);
  } catch (e) {
    if (e instanceof CascadeError) throw new ConfigError(e.reason, { field: '--price' });
    throw e;
  }
  const inputs =
    model === 'bs'
      ? { model, type, spot: under.value, strike, years, price, rate, dividend }
      : { model, type, forward: under.value, strike, years, price, rate };
  return { inputs, vol, units: { vol: 'annualised, per unit (0.2 = 20%)' } };
}

interface CsvRow {
  readonly line: number;
  readonly fields: readonly string[];
  readonly type: OptionType;
  readonly underlying: number;
  readonly strike: number;
  readonly years: number;
  /** vol for `price`, option price for `iv`. */
  readonly value: number;
  readonly rate: number;
  readonly dividend: number;
}

/**
 * Reads an options CSV: header with spot (or forward for black76), strike,
 * years, type, `valueColumn` (vol or price) and optional rate, dividend.
 * Every bad field is a DataError with file, line and column name.
 */
function readOptionsCsv(
  file: string,
  model: PricingModel,
  valueColumn: 'vol' | 'price',
  defaults: { rate: number; dividend: number },
): { header: string[]; rows: CsvRow[] } {
  const text = readInputText(file);
  const t = readRawTable(text, file);
  // Drop trailing blank records (a final newline yields none, but "\n\n" does).
  let end = t.records.length;
  while (end > 1 && t.records[end - 1].length === 1 && t.records[end - 1][0] === '') end--;
  const header = t.records[0].map((h) => h.trim().toLowerCase());
  const headerLine = t.lines[0];
  const under = model === 'black76' && header.includes('forward') ? 'forward' : 'spot';
  const required = [under, 'strike', 'years', valueColumn, 'type'];
  const col = new Map<string, number>();
  header.forEach((h, i) => {
    if (col.has(h)) throw new DataError(`duplicate column '${h}'`, { file, line: headerLine, field: h });
    col.set(h, i);
  });
  for (const name of required) {
    if (!col.has(name)) {
      throw new DataError(`missing column '${name}' (need ${required.join(', ')}; rate, dividend optional)`, { file, line: headerLine });
    }
  }
  if (model === 'black76' && col.has('dividend')) {
    throw new DataError('black76 has no dividend column (the forward carries it)', { file, line: headerLine, field: 'dividend' });
  }
  const body = { ...t, records: t.records.slice(0, end), lines: t.lines.slice(0, end) };
  if (end <= 1) throw new DataError('no data rows after the header', { file, line: headerLine });
  checkColumnCounts(body, 1, header.length, header);
  const rows: CsvRow[] = [];
  for (let i = 1; i < end; i++) {
    const f = t.records[i];
    const line = t.lines[i];
    const num = (name: string): number => parseNumberField(f[col.get(name)!], file, line, name);
    const positive = (name: string): number => {
      const v = num(name);
      if (!(v > 0)) throw new DataError(`must be > 0, got ${f[col.get(name)!]}`, { file, line, field: name });
      return v;
    };
    const typeText = f[col.get('type')!].trim().toLowerCase();
    if (typeText !== 'call' && typeText !== 'put') {
      throw new DataError(`must be 'call' or 'put', got '${f[col.get('type')!]}'`, { file, line, field: 'type' });
    }
    const years = valueColumn === 'price' ? positive('years') : num('years');
    const value = num(valueColumn);
    if (valueColumn === 'vol' && !(value >= 0)) throw new DataError(`must be >= 0, got ${value}`, { file, line, field: 'vol' });
    rows.push({
      line,
      fields: f,
      type: typeText,
      underlying: positive(under),
      strike: positive('strike'),
      years,
      value,
      rate: col.has('rate') ? num('rate') : defaults.rate,
      dividend: col.has('dividend') ? num('dividend') : defaults.dividend,
    });
  }
  return { header: t.records[0], rows };
}

/** `price --csv FILE`: the input columns as written plus the eight outputs. */
export function priceCsv(file: string, o: FlagOptions): string {
  rejectCsvMix(o);
  const model = flagModel(o.model);
  const defaults = { rate: flagNumber(o.rate, '--rate', 'finite', 0), dividend: flagNumber(o.dividend, '--dividend', 'finite', 0) };
  const { header, rows } = readOptionsCsv(file, model, 'vol', defaults);
  const out: string[] = [[...header, ...GREEK_COLUMNS].map(csvField).join(',')];
  for (const r of rows) {
    const g =
      model === 'bs'
        ? blackScholes(r.type, r.underlying, r.strike, r.years, r.value, r.rate, r.dividend)
        : black76(r.type, r.underlying, r.strike, r.years, r.value, r.rate);
    out.push([...r.fields.map(csvField), ...GREEK_COLUMNS.map((k) => String(g[k]))].join(','));
  }
  return `${out.join('\n')}\n`;
}

/** `iv --csv FILE`: the input columns as written plus `iv`. */
export function ivCsv(file: string, o: FlagOptions): string {
  rejectCsvMix(o);
  const model = flagModel(o.model);
  const defaults = { rate: flagNumber(o.rate, '--rate', 'finite', 0), dividend: flagNumber(o.dividend, '--dividend', 'finite', 0) };
  const { header, rows } = readOptionsCsv(file, model, 'price', defaults);
  const out: string[] = [[...header, 'iv'].map(csvField).join(',')];
  for (const r of rows) {
    let vol: number;
    try {
      vol =
        model === 'bs'
          ? impliedVol(r.type, r.value, r.underlying, r.strike, r.years, r.rate, r.dividend)
          : impliedVolBlack76(r.type, r.value, r.underlying, r.strike, r.years, r.rate);
    } catch (e) {
      if (e instanceof CascadeError) throw new DataError(e.reason, { file, line: r.line, field: 'price' });
      throw e;
    }
    out.push([...r.fields.map(csvField), String(vol)].join(','));
  }
  return `${out.join('\n')}\n`;
}

function addCommonFlags(cmd: Command): Command {
  return cmd
    .option('--type <call|put>', 'option type')
    .option('--spot <S>', 'spot price (black76: the forward, or use --forward)')
    .option('--forward <F>', 'forward price (black76 only)')
    .option('--strike <K>', 'strike')
    .option('--years <T>', 'time to expiry in years (<= 0: expired, intrinsic value)')
    .option('--rate <r>', 'continuously compounded risk-free rate per year, e.g. 0.05 (default 0)')
    .option('--dividend <q>', 'continuous dividend yield / carry per year (bs only, default 0)')
    .option('--model <bs|black76>', 'bs = Black-Scholes-Merton on spot, black76 = Black on a forward', 'bs')
    .option('--csv <file>', 'CSV of options instead of one option from flags; writes CSV to stdout');
}

export function registerPriceCommands(program: Command): void {
  addCommonFlags(
    program
      .command('price')
      .description(
        'price and greeks of a European option: JSON for one option, or --csv FILE (columns spot,strike,years,vol,type[,rate,dividend]) to CSV. ' +
          'vega per unit vol, theta per year, rho per unit rate.',
      ),
  )
    .option('--vol <sigma>', 'annualised volatility, e.g. 0.2 for 20%')
    .action((opts: FlagOptions) => {
      if (opts.csv !== undefined) {
        process.stdout.write(priceCsv(opts.csv, opts));
        return;
      }
      process.stdout.write(`${JSON.stringify(priceFromFlags(opts), null, 2)}\n`);
    });

  addCommonFlags(
    program
      .command('iv')
      .description(
        'implied volatility of a European option price: JSON for one option, or --csv FILE (columns spot,strike,years,price,type[,rate,dividend]) to CSV with an iv column',
      ),
  )
    .option('--price <P>', 'option price')
    .action((opts: FlagOptions) => {
      if (opts.csv !== undefined) {
        process.stdout.write(ivCsv(opts.csv, opts));
        return;
      }
      process.stdout.write(`${JSON.stringify(ivFromFlags(opts), null, 2)}\n`);
    });
}
