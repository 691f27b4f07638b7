/**
 * Display downsampling that keeps every extreme: the bars are cut into
 * `buckets` runs of consecutive bars (the same cut for every chart, so the
 * linked time axes line up), and a chart keeps, per bucket, the bar where
 * each of its series is lowest and the bar where it is highest, plus the
 * first and the last bar. Kept points are real bars with their recorded
 * values (nothing is averaged or interpolated), so the drawn line reaches
 * every peak and trough of every bucket, in particular the global ones; a
 * crash's one-bar spike cannot vanish as it does under averaging or plain
 * decimation. At most 2·buckets·series + 2 points per chart; runs shorter
 * than that are drawn whole. The CSVs keep full resolution.
 */

/** Bucket b covers bars [edges[b], edges[b+1]): equal integer splits of [0, bars). */
export function bucketEdges(bars: number, buckets: number): Int32Array {
  const b = Math.max(1, Math.min(buckets, bars));
  const edges = new Int32Array(b + 1);
  for (let k = 0; k <= b; k++) edges[k] = Math.floor((k * bars) / b);
  return edges;
}

/**
 * The bar indices to draw for `series` (ascending, no repeats): per bucket
 * the argmin and argmax of each series (the first such bar on ties; NaN
 * ignored), and bars 0 and n-1. When 2·buckets·series + 2 ≥ bars, every bar.
 */
export function keepExtremes(series: readonly Float64Array[], bars: number, buckets: number): Int32Array {
  if (bars === 0) return new Int32Array(0);
  if (2 * buckets * Math.max(1, series.length) + 2 >= bars) {
    const all = new Int32Array(bars);
    for (let i = 0; i < bars; i++) all[i] = i;
    return all;
  }
  const keep = new Uint8Array(bars);
  keep[0] = 1;
  keep[bars - 1] = 1;
  const edges = bucketEdges(bars, buckets);
  for (const s of series) {
    for (let b = 0; b + 1 < edges.length; b++) {
      let lo = -1;
      let hi = -1;
      for (let i = edges[b]; i < edges[b + 1]; i++) {
        const x = s[i];
        if (Number.isNaN(x)) continue;
        if (lo < 0 || x < s[lo]) lo = i;
        if (hi < 0 || x > s[hi]) hi = i;
      }
      if (lo >= 0) keep[lo] = 1;
      if (hi >= 0) keep[hi] = 1;
    }
  }
  let n = 0;
  for (let i = 0; i < bars; i++) n += keep[i];
  const out = new Int32Array(n);
  for (let i = 0, k = 0; i < bars; i++) if (keep[i] === 1) out[k++] = i;
  return out;
}

/** `values` at the kept bars. */
export function pick(values: Float64Array, idx: Int32Array): Float64Array {
  const out = new Float64Array(idx.length);
  for (let k = 0; k < idx.length; k++) out[k] = values[idx[k]];
  return out;
}
