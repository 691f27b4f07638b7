/**
 * Type-7 quantiles (Hyndman & Fan, R's default): read off a sorted array,
 * or, for a large array, without sorting it: the order statistics a
 * type-7 quantile reads found by selection,
 * each in O(n) expected time, so eight quantiles of a million values cost a
 * few passes instead of a sort. Every value is the one the sorted array
 * holds at that rank, so the quantiles equal those read off a sort bit for
 * bit. A NaN or a −0 among the values (selection cannot order them as the
 * sort does: NaN last, −0 before 0) makes it sort instead.
 */

/**
 * The type-7 quantiles of `values` at each of `qs` (in [0, 1]), in the
 * order given. Reorders `values` in place. NaN for each q when empty.
 */
export function quantilesBySelection(values: Float64Array, qs: readonly number[]): Float64Array {
  const n = values.length;
  const out = new Float64Array(qs.length);
  if (n === 0) return out.fill(Number.NaN);
  let unordered = false;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== v || (v === 0 && 1 / v < 0)) unordered = true;
  }
  if (unordered) values.sort();
  else {
    const ranks = new Set<number>();
    for (const q of qs) {
      const lo = Math.floor((n - 1) * q);
      ranks.add(lo);
      ranks.add(Math.min(lo + 1, n - 1));
    }
    // Ascending: once rank r is in place, every value after it is >= it, so the next rank is searched there only.
    let from = 0;
    for (const r of [...ranks].sort((a, b) => a - b)) {
      select(values, from, n - 1, r);
      from = r + 1;
    }
  }
  // quantileSorted reads only the ranks put in place above.
  qs.forEach((q, k) => (out[k] = quantileSorted(values, q)));
  return out;
}

/** Linear interpolation between order statistics of sorted values (type 7). NaN when empty. */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Puts the value of rank k (within a[l..r]) at index k, smaller-or-equal
 * values before it and greater-or-equal after (Hoare partitions around a
 * median of three). After about 2·log2(n) partitions without finishing
 * (adversarial input) it sorts what is left, so the worst case is a sort.
 */
function select(a: Float64Array, l: number, r: number, k: number): void {
  let budget = 2 * Math.ceil(Math.log2(r - l + 2)) + 8;
  while (r - l > 16) {
    if (budget-- === 0) {
      a.subarray(l, r + 1).sort();
      return;
    }
    const m = (l + r) >>> 1;
    // Median of a[l], a[m], a[r] moved to a[m], the smallest to a[l], the largest to a[r].
    if (a[m] < a[l]) swap(a, m, l);
    if (a[r] < a[l]) swap(a, r, l);
    if (a[r] < a[m]) swap(a, r, m);
    const pivot = a[m];
    let i = l;
    let j = r;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    // a[l..j] <= pivot <= a[i..r], and any index between holds the pivot's value.
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else return;
  }
  // Insertion sort of the short rest.
  for (let x = l + 1; x <= r; x++) {
    const v = a[x];
    let y = x - 1;
    while (y >= l && a[y] > v) {
      a[y + 1] = a[y];
      y--;
    }
    a[y + 1] = v;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}
