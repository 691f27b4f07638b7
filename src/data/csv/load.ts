/** The data layer's loading entry points, in one import. */
export { loadBars, parseBars, type LoadBarsOptions, type LoadedBars, type LoadReport } from './loadBars.js';
export { loadIvSeries, parseIvSeries, loadIvWithReport, parseIvWithReport, type LoadIvOptions, type LoadedIv } from './loadIv.js';
export { loadNumericTable, parseNumericTable, type NumericTable } from './numericTable.js';
export { LAYOUT_NAMES, isLayoutName, type LayoutName } from './layouts.js';
export type { TimeUnit } from './timestamps.js';
