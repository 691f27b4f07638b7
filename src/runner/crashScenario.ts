import { readScenarioFile } from '../config/load.js';
import { DEFAULT_SCENARIO_PATH } from '../config/resolveTarget.js';
import { getCrash, type CrashEntry } from '../data/catalog.js';
import { isPlainObject } from '../core/plainObject.js';

/**
 * The crash the default scenario is sized on: its dealer book, open interest
 * and insurance fund were chosen against this crash's measured volume.
 */
export const REFERENCE_CRASH = 'btc-2020-03-12';

/** Quote volume per hour measured before the crash: the scale of the book's depth. */
function hourlyQuoteVolume(c: CrashEntry): number {
  return c.measured.baseVolumePerHour * c.measured.startPrice;
}

/**
 * `cascade run <crash>`: the default scenario's whole model (the dealer's
 * crash puts, the perp venue, the L2 book, withdrawal) on that crash's
 * SYNTHETIC path, or on real bars when `--data` is given. Sizes scale with
 * the crash's measured pre-crash quote volume against the reference crash
 * (where they were set), so every crash meets the same ratio of forced
 * selling to depth: the dealer's notional, the open interest and the
 * insurance fund all scale by V_crash / V_reference, and the dealer's base
 * quantity by the start-price ratio too. On the reference crash the sizes
 * are the default scenario's. The seed is the catalog's representative seed
 * for the crash: of the generator's calibration seeds, the one whose path is
 * closest in shape to the measured crash (drawdown, worst bar, time from
 * peak to trough). The generator only matches the crash in the median over
 * its seeds, and one seed's path can be far from it (seed 1 gave
 * black-monday-1987 a 12.7% drawdown against 34.2% measured); `--seed`
 * still picks any other path.
 */
export function crashScenario(name: string): Record<string, unknown> {
  const crash = getCrash(name);
  const base = readScenarioFile(DEFAULT_SCENARIO_PATH) as Raw;
  const sizing = crashSizing(name);
  const scale = sizing.quote;
  const dealer = structuredClone(objectAt(base, 'dealer') ?? {});
  const protocol = structuredClone(objectAt(base, 'protocol') ?? {});
  scaleSizes({ dealer, protocol }, sizing);
  const seed = crash.synthetic.calibration.representative.seed;
  return {
    ...base,
    name,
    seed,
    description:
      `Catalog crash ${name} (${crash.title}) on its SYNTHETIC path, generated from the crash's measured statistics ` +
      `(the seed the catalog names for it, ${seed}, gives the generator's path closest to the measured crash) ` +
      `(pass --data FILE for real bars). The default scenario's model, sized by the crash's pre-crash quote volume ` +
      `(${scale.toPrecision(4)} x that of ${REFERENCE_CRASH}).`,
    data: { bars: { source: 'synthetic', crash: name } },
    dealer,
    protocol,
  };
}

type Raw = Record<string, unknown>;

/**
 * How `cascade run <crash>` sizes the default scenario, relative to the
 * reference crash where its sizes were set: `quote` multiplies quote amounts
 * (open interest, insurance fund) by the crash's pre-crash quote volume over
 * the reference's; `base` multiplies base quantities (the dealer's book)
 * by that and by the reference's start price over the crash's.
 */
export interface CrashSizing {
  readonly quote: number;
  readonly base: number;
}

export function crashSizing(name: string): CrashSizing {
  const crash = getCrash(name);
  const ref = getCrash(REFERENCE_CRASH);
  const quote = hourlyQuoteVolume(crash) / hourlyQuoteVolume(ref);
  return { quote, base: quote * (ref.measured.startPrice / crash.measured.startPrice) };
}

/** The sizing that takes a scenario sized for crash `from` to crash `to` (both catalog names). */
export function resizing(from: string, to: string): CrashSizing {
  const a = crashSizing(from);
  const b = crashSizing(to);
  return { quote: b.quote / a.quote, base: b.base / a.base };
}

/**
 * Scales a raw scenario's sizes in place: the dealer's single inventory
 * block's totalQtyBase by `base`, the protocol population's
 * totalNotionalQuote and the insurance fund by `quote`. Absent fields stay
 * absent (they take their defaults unscaled), and a list of inventory
 * blocks is left as it is.
 */
export function scaleSizes(raw: Raw, sizing: CrashSizing): void {
  scaleNumber(objectAt(objectAt(raw, 'dealer') ?? {}, 'inventory'), 'totalQtyBase', sizing.base);
  const protocol = objectAt(raw, 'protocol');
  scaleNumber(objectAt(protocol ?? {}, 'population'), 'totalNotionalQuote', sizing.quote);
  scaleNumber(protocol, 'insuranceFundQuote', sizing.quote);
}

/** The object under `key`, or undefined (a raw scenario may omit a section). */
function objectAt(obj: Raw, key: string): Raw | undefined {
  const v = obj[key];
  return isPlainObject(v) ? v : undefined;
}

/** Multiplies a number field in place; absent fields stay absent. */
function scaleNumber(obj: Raw | undefined, key: string, factor: number): void {
  const v = obj?.[key];
  if (obj && typeof v === 'number') obj[key] = v * factor;
}
