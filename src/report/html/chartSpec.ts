/**
 * What a chart is, independent of how the page draws it: full-length series
 * over the run's bars (NaN where undefined), which the page builder
 * downsamples and serialises, and the page script hands to uPlot.
 */

export interface SeriesSpec {
  readonly label: string;
  readonly color: string;
  /** Full length (one value per bar). */
  readonly values: Float64Array;
  /** Right-hand axis (a second unit in the same chart). */
  readonly right?: boolean;
}

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  /** Unit of the left axis (and of the right one, when a series uses it). */
  readonly unit: string;
  readonly rightUnit?: string;
  readonly series: readonly SeriesSpec[];
  /** Draw the series stacked (areas): parts of one total. */
  readonly stacked?: boolean;
  /** Fill between series 0 and 1 (the endogenous part of the price). */
  readonly fillBetween?: boolean;
  /** A dashed horizontal line at this value (criticality at 1). */
  readonly refLine?: number;
  /** One sentence under the title: how to read it. */
  readonly caption: string;
  /**
   * A chart over something other than the run's bars (strikes, spots,
   * moneyness): these x values, one per series value, drawn whole (they
   * are short) and not linked to the time axis.
   */
  readonly x?: { readonly values: Float64Array; readonly label: string };
  /** Draw the series as bars (by-strike profiles). */
  readonly bars?: boolean;
  /** Dashed vertical markers (the spot, the zero-gamma level). */
  readonly vLines?: ReadonlyArray<{ readonly x: number; readonly label: string; readonly color: string }>;
}

/** A chart the run cannot draw, with the reason in one line. */
export interface OmittedChart {
  readonly title: string;
  readonly reason: string;
}

export type ChartOrNote = { readonly chart: ChartSpec } | { readonly omitted: OmittedChart };

/** Colours by cause, shared by every chart that splits by cause (Okabe–Ito, readable by colour-blind readers). */
export const CAUSE_COLORS: Readonly<Record<string, string>> = {
  hedge: '#0072B2',
  liquidation: '#D55E00',
  deleverage: '#E69F00',
  herding: '#CC79A7',
  auction: '#009E73',
  resale: '#56B4E9',
  strategy: '#000000',
};

export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000', '#999999'];
