/**
 * Option-chain quotes for calibration, and their CSV form:
 *
 *   # comment lines start with '#'
 *   expiry_years,strike,forward,iv
 *   0.0833333333,30000,30125.5,0.6123
 *
 * iv is a decimal Black implied vol (0.61 = 61 vol points); forward may be
 * left empty when the calibration is given a default forward.
 */
import { DataError } from '../core/errors.js';

export interface ChainQuote {
  /** Time to expiry in years, > 0. */
  readonly years: number;
  readonly strike: number;
  /** Forward of this expiry; optional when the calibration has a default. */
  readonly forward?: number;
  /** Black implied vol, decimal. */
  readonly iv: number;
  /** Least-squares weight (default 1). */
  readonly weight?: number;
}

const COLUMNS = ['expiry_years', 'strike', 'forward', 'iv'] as const;

export function parseChainCsv(text: string, file = '<chain>'): ChainQuote[] {
  const lines = text.split(/\r?\n/);
  const quotes: ChainQuote[] = [];
  let header: string[] | undefined;
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li].trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(',').map((c) => c.trim());
    const lineNo = li + 1;
    if (header === undefined) {
      header = cells;
      for (const col of COLUMNS) {
        if (!header.includes(col)) throw new DataError(`missing column '${col}' in header (need ${COLUMNS.join(',')})`, { file, line: lineNo, field: col });
      }
      continue;
    }
    if (cells.length !== header.length) {
      throw new DataError(`expected ${header.length} cells, got ${cells.length}`, { file, line: lineNo });
    }
    const get = (col: (typeof COLUMNS)[number], required: boolean, check: (x: number) => boolean, what: string): number | undefined => {
      const raw = cells[(header as string[]).indexOf(col)];
      if (raw === '' && !required) return undefined;
      const x = Number(raw);
      if (raw === '' || !Number.isFinite(x) || !check(x)) throw new DataError(`${what}, got '${raw}'`, { file, line: lineNo, field: col });
      return x;
    };
    const years = get('expiry_years', true, (x) => x > 0, 'expiry must be a number of years > 0') as number;
    const strike = get('strike', true, (x) => x > 0, 'strike must be a number > 0') as number;
    const forward = get('forward', false, (x) => x > 0, 'forward must be a number > 0 or empty');
    // An implied vol above 10 (1000 vol points) is almost surely vol points written as a decimal.
    const iv = get('iv', true, (x) => x > 0 && x < 10, 'iv must be a decimal implied vol in (0, 10)') as number;
    quotes.push(forward === undefined ? { years, strike, iv } : { years, strike, forward, iv });
  }
  if (header === undefined) throw new DataError('no header line', { file, line: 1 });
  if (quotes.length === 0) throw new DataError('no quotes', { file });
  return quotes;
}

export function chainToCsv(quotes: readonly ChainQuote[], comments: readonly string[] = []): string {
  const out: string[] = comments.map((c) => `# ${c}`);
  out.push(COLUMNS.join(','));
  for (const q of quotes) {
    out.push(`${q.years},${q.strike},${q.forward ?? ''},${q.iv}`);
  }
  return out.join('\n') + '\n';
}
