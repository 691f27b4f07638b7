// The L2 book's per-level loops (src/market/book.ts), in AssemblyScript,
// compiled to WebAssembly with SIMD (f64x2): the refill every bar start, and
// the depth probe behind the branching ratios. Each repeats the JavaScript
// reference in src/market/bookLevels.ts operation for operation (a lane of
// f64x2 rounds as a scalar does, and WebAssembly never fuses a multiply
// into an add), so the two give the same depths and the same probe bit for
// bit; test/market/bookLevelsWasm.test.ts holds them to that.
//
// Build: `npm run build:wasm` (asc, see package.json). The compiled module
// is committed next to the TypeScript that loads it (src/market/wasm/); the
// test test/pricing/wasmBuild.test.ts rebuilds it and compares the bytes.
// The arrays are Float64Array views into this module's memory; the caller
// passes their byte offsets.

/** First free byte after the static data: the JavaScript side puts its arrays here. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * One side's refill: each level's target is target · scale; depth above it
 * is cancelled, and with remain < 1 a level below it gets back 1 − remain of
 * its gap. The bar-start depth is recorded in `start`. With remain = 1 (no
 * time for a refill) a level is only capped.
 */
export function refill(target: usize, depth: usize, start: usize, n: i32, scale: f64, remain: f64): void {
  const vScale = f64x2.splat(scale);
  let k = 0;
  if (remain != 1) {
    const vRemain = f64x2.splat(remain);
    const zero = f64x2.splat(0);
    for (; k + 1 < n; k += 2) {
      const o = <usize>k << 3;
      const t = f64x2.mul(v128.load(target + o), vScale);
      const gap = f64x2.sub(t, v128.load(depth + o));
      const d = v128.bitselect(f64x2.sub(t, f64x2.mul(gap, vRemain)), t, f64x2.gt(gap, zero));
      v128.store(depth + o, d);
      v128.store(start + o, d);
    }
    for (; k < n; k++) {
      const o = <usize>k << 3;
      const t = load<f64>(target + o) * scale;
      const gap = t - load<f64>(depth + o);
      const d = gap > 0 ? t - gap * remain : t;
      store<f64>(depth + o, d);
      store<f64>(start + o, d);
    }
  } else {
    for (; k + 1 < n; k += 2) {
      const o = <usize>k << 3;
      const t = f64x2.mul(v128.load(target + o), vScale);
      const was = v128.load(depth + o);
      const d = v128.bitselect(t, was, f64x2.gt(was, t));
      v128.store(depth + o, d);
      v128.store(start + o, d);
    }
    for (; k < n; k++) {
      const o = <usize>k << 3;
      const t = load<f64>(target + o) * scale;
      const was = load<f64>(depth + o);
      const d = was > t ? t : was;
      store<f64>(depth + o, d);
      store<f64>(start + o, d);
    }
  }
}

/**
 * Resting depth between log distances lo and hi from a side's anchor, each
 * level's depth spread evenly over its span (prev[k], off[k]]: from the
 * first level that ends beyond lo (binary search) until a level begins at
 * or past hi.
 */
export function probe(off: usize, prev: usize, depth: usize, n: i32, lo: f64, hi: f64): f64 {
  let k0 = 0;
  let k1 = n;
  while (k0 < k1) {
    const m = (k0 + k1) >>> 1;
    if (load<f64>(off + (<usize>m << 3)) <= lo) k0 = m + 1;
    else k1 = m;
  }
  let sum: f64 = 0;
  for (let k = k0; k < n; k++) {
    const o = <usize>k << 3;
    const a = load<f64>(prev + o);
    const b = load<f64>(off + o);
    if (a >= hi) break;
    if (b <= lo) continue;
    const from = a > lo ? a : lo;
    const to = b < hi ? b : hi;
    sum += (load<f64>(depth + o) * (to - from)) / (b - a);
  }
  return sum;
}
