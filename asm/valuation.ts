// The dealer book's fused valuation pass, in AssemblyScript, compiled to
// WebAssembly with SIMD (f64x2): SSVI implied vols, Black-Scholes prices and
// greeks, and the quantity-weighted book sums in one call per bar.
//
// Build: `npm run build:wasm` (asc, see package.json). The compiled module is
// committed next to the TypeScript that loads it (src/pricing/wasm/); the
// test test/pricing/wasmBuild.test.ts rebuilds it and compares the bytes.
//
// The arithmetic follows src/pricing/kernel.ts (same Cody CDF, same
// table-driven exp, out-of-the-money side direct and the other by parity),
// so the two kernels agree to rounding; the JavaScript one stays the
// reference. Layout of the columns in linear memory (f64, `cap` entries
// each, cap even) is mirrored by src/pricing/wasm/bookKernel.ts (COLUMNS).

// Column indices (times cap * 8 bytes from the base).
const C_W: i32 = 0; // +1 call, -1 put
const C_K: i32 = 1; // strike
const C_LOGK: i32 = 2; // ln strike
const C_QTY: i32 = 3; // signed quantity
const C_GRP: i32 = 4; // expiry group index (as f64)
const C_T: i32 = 5; // years to expiry
const C_VOL: i32 = 6; // implied vol
const C_X: i32 = 7; // ln(F/K)
const C_DR: i32 = 8; // e^{-rT}
const C_DQ: i32 = 9; // e^{-qT}
const C_PRICE: i32 = 10;
const C_DELTA: i32 = 11;
const C_GAMMA: i32 = 12;
const C_VEGA: i32 = 13;
const C_THETA: i32 = 14;
const C_VANNA: i32 = 15;
const C_VOLGA: i32 = 16;
// Per expiry group (index < number of groups <= cap).
const G_T: i32 = 17;
const G_DR: i32 = 18;
const G_DQ: i32 = 19;
const G_THETA: i32 = 20; // SSVI ATM total variance
const G_PHI: i32 = 21; // SSVI phi(theta)
const G_CARRYT: i32 = 22; // (r - q) T
// The dealer's P&L start columns (the previous bar's end) and a copy of a bar's end vols.
const C_SQTY: i32 = 23;
const C_SVEGA: i32 = 24;
const C_SVOL: i32 = 25;
const C_SVANNA: i32 = 26;
const C_SVOLGA: i32 = 27;
const N_COLS: i32 = 29; // column 28 holds the end-vol copy (read through volChange's endCol)
// After the columns: 16 doubles of sums (value, delta, gamma, vega, theta,
// vanna, volga, spare, then volChange's three sums, then spares).
const SUM_SLOTS: i32 = 16;
// After the sums: value()'s scratch columns, CHUNK doubles each, passing
// each pair's intermediate results from one of its loops to the next
// (nothing outside value() reads them; bookKernel.ts makes room for
// scratchBytes()).
const S_SQRTT: i32 = 0;
const S_SD: i32 = 1;
const S_D1: i32 = 2;
const S_D2: i32 = 3;
const S_E1: i32 = 4;
const S_E2: i32 = 5;
const S_P1: i32 = 6;
const S_P2: i32 = 7;
const S_OK: i32 = 8; // all ones where the pair takes the paired path
const N_SCRATCH: i32 = 9;
/** Options per chunk of value()'s loops (even): each scratch column holds one chunk. */
const CHUNK: i32 = 128;

const SPLIT_SMALL: f64 = 0.67448975;
const SPLIT_TAIL: f64 = 5.656854249492381;
const INV_SQRT_2PI: f64 = 0.3989422804014327;
const LOWER_UNDERFLOW: f64 = -38.5;
const UPPER_SATURATE: f64 = 8.6;

const A0: f64 = 2.2352520354606839287;
const A1: f64 = 161.02823106855587881;
const A2: f64 = 1067.6894854603709582;
const A3: f64 = 18154.981253343561249;
const A4: f64 = 0.065682337918207449113;
const B0: f64 = 47.20258190468824187;
const B1: f64 = 976.09855173777669322;
const B2: f64 = 10260.932208618978205;
const B3: f64 = 45507.789335026729956;
const C0: f64 = 0.39894151208813466764;
const C1: f64 = 8.8831497943883759412;
const C2: f64 = 93.506656132177855979;
const C3: f64 = 597.27027639480026226;
const C4: f64 = 2494.5375852903726711;
const C5: f64 = 6848.1904505362823326;
const C6: f64 = 11602.651437647350124;
const C7: f64 = 9842.7148383839780218;
const C8: f64 = 1.0765576773720192317e-8;
const D0: f64 = 22.266688044328115691;
const D1: f64 = 235.38790178262499861;
const D2: f64 = 1519.377599407554805;
const D3: f64 = 6485.558298266760755;
const D4: f64 = 18615.571640885098091;
const D5: f64 = 34900.952721145977266;
const D6: f64 = 38912.003286093271411;
const D7: f64 = 19685.429676859990727;
const P0: f64 = 0.21589853405795699;
const P1: f64 = 0.1274011611602473639;
const P2: f64 = 0.022235277870649807;
const P3: f64 = 0.001421619193227893466;
const P4: f64 = 2.9112874951168792e-5;
const P5: f64 = 0.02307344176494017303;
const Q0: f64 = 1.28426009614491121;
const Q1: f64 = 0.468238212480865118;
const Q2: f64 = 0.0659881378689285515;
const Q3: f64 = 0.00378239633202758244;
const Q4: f64 = 7.29751555083966205e-5;

// exp: src/pricing/exp.ts' table method (Tang 1989), same table and polynomial.
const EXP_INV_L: f64 = 46.16624130844683;
const EXP_L_HI: f64 = 0.6931471803691238 / 32;
const EXP_L_LO: f64 = 1.9082149292705877e-10 / 32;
const EXP_ROUND: f64 = 6755399441055744.0;
const EXP_LIMIT: f64 = 708;

const HEAD = memory.data<f64>([
  1.0, 1.0218971486541166, 1.0442737824274138, 1.0671404006768237, 1.0905077326652577, 1.1143867425958924,
  1.1387886347566916, 1.1637248587775775, 1.189207115002721, 1.215247359980469, 1.241857812073484, 1.2690509571917332,
  1.2968395546510096, 1.3252366431597413, 1.3542555469368927, 1.383909881963832, 1.4142135623730951, 1.4451808069770467,
  1.4768261459394993, 1.5091644275934228, 1.5422108254079407, 1.5759808451078865, 1.6104903319492543, 1.645755478153965,
  1.681792830507429, 1.718619298122478, 1.7562521603732995, 1.7947090750031072, 1.8340080864093424, 1.8741676341103,
  1.9152065613971474, 1.9571441241754002,
]);
const TAIL = memory.data<f64>([
  0.0, 5.109225028973444e-17, 8.551889705537965e-17, -7.899853966841582e-17, -3.046782079812471e-17,
  1.0410278456845571e-16, 8.912812676025408e-17, 3.8292048369240935e-17, 3.982015231465646e-17,
  -7.712630692681488e-17, 4.658027591836937e-17, 2.667932131342186e-18, 2.5382502794888315e-17,
  -2.8587312100388614e-17, 7.70094837980299e-17, -6.770511658794786e-17, -9.667293313452913e-17,
  -3.0237581349939873e-17, -3.483994556892796e-17, -1.016455327754295e-16, 7.949834809697621e-17,
  -1.0136916471278304e-17, 2.4707192569797888e-17, -1.0125679913674773e-16, 8.199010020581497e-17,
  -1.851380418263111e-17, 2.960140695448873e-17, 1.8227458427912087e-17, 3.283107224245627e-17,
  -6.122763413004143e-17, -1.0619946056195963e-16, 8.960767791036668e-17,
]);

// The constants the vector loops use, splatted to both lanes and read from
// memory. V8 builds a v128.const that sits in a loop anew on every pass, from
// two 64-bit immediates (three instructions); a load is one. Zero stays a
// v128.const: V8 makes it with one xor.
const V_EXP_INV_L = memory.data<f64>([EXP_INV_L, EXP_INV_L]);
const V_EXP_ROUND = memory.data<f64>([EXP_ROUND, EXP_ROUND]);
const V_EXP_L_HI = memory.data<f64>([EXP_L_HI, EXP_L_HI]);
const V_EXP_L_LO = memory.data<f64>([EXP_L_LO, EXP_L_LO]);
const V_INV_24 = memory.data<f64>([1.0 / 24, 1.0 / 24]);
const V_INV_120 = memory.data<f64>([1.0 / 120, 1.0 / 120]);
const V_INV_720 = memory.data<f64>([1.0 / 720, 1.0 / 720]);
const V_HALF = memory.data<f64>([0.5, 0.5]);
const V_INV_6 = memory.data<f64>([1.0 / 6, 1.0 / 6]);
const V_A4 = memory.data<f64>([A4, A4]);
const V_A0 = memory.data<f64>([A0, A0]);
const V_B0 = memory.data<f64>([B0, B0]);
const V_A1 = memory.data<f64>([A1, A1]);
const V_B1 = memory.data<f64>([B1, B1]);
const V_A2 = memory.data<f64>([A2, A2]);
const V_B2 = memory.data<f64>([B2, B2]);
const V_A3 = memory.data<f64>([A3, A3]);
const V_B3 = memory.data<f64>([B3, B3]);
const V_C8 = memory.data<f64>([C8, C8]);
const V_C0 = memory.data<f64>([C0, C0]);
const V_D0 = memory.data<f64>([D0, D0]);
const V_C1_TO_C7 = memory.data<f64>([C1, C1, C2, C2, C3, C3, C4, C4, C5, C5, C6, C6, C7, C7]);
const V_D1_TO_D7 = memory.data<f64>([D1, D1, D2, D2, D3, D3, D4, D4, D5, D5, D6, D6, D7, D7]);
const V_SPLIT_SMALL = memory.data<f64>([SPLIT_SMALL, SPLIT_SMALL]);
const V_ONE = memory.data<f64>([1, 1]);
const V_SPLIT_TAIL = memory.data<f64>([SPLIT_TAIL, SPLIT_TAIL]);
const V_MINUS_HALF = memory.data<f64>([-0.5, -0.5]);
const V_INV_SQRT_2PI = memory.data<f64>([INV_SQRT_2PI, INV_SQRT_2PI]);
const V_TWO = memory.data<f64>([2, 2]);
const V_EXP_BIAS = memory.data<i64>([1023, 1023]);

/** First free byte after the static data: the JavaScript side puts its columns here. */
export function heapBase(): usize {
  return __heap_base;
}

/** 2^m as a double for m in [-1022, 1023]. */
@inline
function pow2(m: i32): f64 {
  return reinterpret<f64>(<i64>(m + 1023) << 52);
}

function expScalar(x: f64): f64 {
  if (!(x > -EXP_LIMIT && x < EXP_LIMIT)) return Math.exp(x);
  const kf = x * EXP_INV_L + EXP_ROUND - EXP_ROUND;
  const r = x - kf * EXP_L_HI - kf * EXP_L_LO;
  const k = <i32>kf;
  const j = k & 31;
  const r2 = r * r;
  const p = r + r2 * (0.5 + r * (1.0 / 6) + r2 * (1.0 / 24 + r * (1.0 / 120) + r2 * (1.0 / 720)));
  const h = load<f64>(HEAD + (<usize>j << 3));
  return (h + (h * p + load<f64>(TAIL + (<usize>j << 3)))) * pow2(k >> 5);
}

/** exp on both lanes; both must lie in (-708, 708) (the caller checks). */
@inline
function expV(x: v128): v128 {
  const kf = f64x2.sub(f64x2.add(f64x2.mul(x, v128.load(V_EXP_INV_L)), v128.load(V_EXP_ROUND)), v128.load(V_EXP_ROUND));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(kf, v128.load(V_EXP_L_HI))), f64x2.mul(kf, v128.load(V_EXP_L_LO)));
  // k as integers in SIMD lanes (kf is integral, |kf| < 2^15 for |x| < 708, so the conversion is exact): 2^(k >> 5)
  // from its bits, as pow2 builds it, and the table rows of k & 31 loaded into their lanes.
  const ki = i32x4.trunc_sat_f64x2_s_zero(kf);
  const j0 = <usize>(i32x4.extract_lane(ki, 0) & 31) << 3;
  const j1 = <usize>(i32x4.extract_lane(ki, 1) & 31) << 3;
  const h = v128.load64_lane(HEAD + j1, v128.load64_zero(HEAD + j0), 1);
  const t = v128.load64_lane(TAIL + j1, v128.load64_zero(TAIL + j0), 1);
  const s = i64x2.shl(i64x2.add(i64x2.shr_s(i64x2.extend_low_i32x4_s(ki), 5), v128.load(V_EXP_BIAS)), 52);
  const r2 = f64x2.mul(r, r);
  // r + r2 (0.5 + r/6 + r2 (1/24 + r/120 + r2/720)), in exp.ts' order.
  const inner = f64x2.add(
    f64x2.add(v128.load(V_INV_24), f64x2.mul(r, v128.load(V_INV_120))),
    f64x2.mul(r2, v128.load(V_INV_720)),
  );
  const mid = f64x2.add(f64x2.add(v128.load(V_HALF), f64x2.mul(r, v128.load(V_INV_6))), f64x2.mul(r2, inner));
  const p = f64x2.add(r, f64x2.mul(r2, mid));
  return f64x2.mul(f64x2.add(h, f64x2.add(f64x2.mul(h, p), t)), s);
}

function expHalfSquareExact(y: f64): f64 {
  const ys = Math.trunc(y * 16) / 16;
  const del = (y - ys) * (y + ys);
  return expScalar(-0.5 * ys * ys) * expScalar(-0.5 * del);
}

function lowerTailRatioMid(y: f64): f64 {
  const num = (((((((C8 * y + C0) * y + C1) * y + C2) * y + C3) * y + C4) * y + C5) * y + C6) * y + C7;
  const den = (((((((y + D0) * y + D1) * y + D2) * y + D3) * y + D4) * y + D5) * y + D6) * y + D7;
  return num / den;
}

function tailRatio(y: f64): f64 {
  if (y <= SPLIT_TAIL) return lowerTailRatioMid(y);
  const z = 1 / (y * y);
  let num = P5 * z;
  let den = z;
  num = (num + P0) * z;
  den = (den + Q0) * z;
  num = (num + P1) * z;
  den = (den + Q1) * z;
  num = (num + P2) * z;
  den = (den + Q2) * z;
  num = (num + P3) * z;
  den = (den + Q3) * z;
  const r = (z * (num + P4)) / (den + Q4);
  return (INV_SQRT_2PI - r) / y;
}

function normCdf(x: f64): f64 {
  const y = Math.abs(x);
  if (y <= SPLIT_SMALL) {
    const z = x * x;
    let num = A4 * z;
    let den = z;
    num = (num + A0) * z;
    den = (den + B0) * z;
    num = (num + A1) * z;
    den = (den + B1) * z;
    num = (num + A2) * z;
    den = (den + B2) * z;
    return 0.5 + (x * (num + A3)) / (den + B3);
  }
  if (x != x) return NaN;
  if (x < LOWER_UNDERFLOW) return 0;
  if (x > UPPER_SATURATE) return 1;
  const e = y <= SPLIT_TAIL ? expScalar(-0.5 * y * y) : expHalfSquareExact(y);
  const lower = e * tailRatio(y);
  return x < 0 ? lower : 1 - lower;
}

/** Phi(x) = 0.5 + x A(x^2)/B(x^2), Cody's range |x| <= SPLIT_SMALL, on both lanes. */
@inline
function cdfSmallV(x: v128): v128 {
  const z = f64x2.mul(x, x);
  let num = f64x2.mul(v128.load(V_A4), z);
  let den = z;
  num = f64x2.mul(f64x2.add(num, v128.load(V_A0)), z);
  den = f64x2.mul(f64x2.add(den, v128.load(V_B0)), z);
  num = f64x2.mul(f64x2.add(num, v128.load(V_A1)), z);
  den = f64x2.mul(f64x2.add(den, v128.load(V_B1)), z);
  num = f64x2.mul(f64x2.add(num, v128.load(V_A2)), z);
  den = f64x2.mul(f64x2.add(den, v128.load(V_B2)), z);
  return f64x2.add(v128.load(V_HALF), f64x2.div(f64x2.mul(x, f64x2.add(num, v128.load(V_A3))), f64x2.add(den, v128.load(V_B3))));
}

/** Seven Horner steps acc = acc·y + c_k, the c_k splatted in a table from `c` (16 bytes apart). */
@inline
function horner7V(acc: v128, y: v128, c: usize): v128 {
  acc = f64x2.add(f64x2.mul(acc, y), v128.load(c));
  acc = f64x2.add(f64x2.mul(acc, y), v128.load(c, 16));
  acc = f64x2.add(f64x2.mul(acc, y), v128.load(c, 32));
  acc = f64x2.add(f64x2.mul(acc, y), v128.load(c, 48));
  acc = f64x2.add(f64x2.mul(acc, y), v128.load(c, 64));
  acc = f64x2.add(f64x2.mul(acc, y), v128.load(c, 80));
  return f64x2.add(f64x2.mul(acc, y), v128.load(c, 96));
}

/** Cody's middle-range ratio C(y)/D(y) on both lanes. */
@inline
function ratioMidV(y: v128): v128 {
  const num = horner7V(f64x2.add(f64x2.mul(v128.load(V_C8), y), v128.load(V_C0)), y, V_C1_TO_C7);
  const den = horner7V(f64x2.add(y, v128.load(V_D0)), y, V_D1_TO_D7);
  return f64x2.div(num, den);
}

/** Phi(z) with |z| <= SPLIT_TAIL on both lanes, given e = exp(-z^2/2). */
@inline
function cdfV(z: v128, e: v128): v128 {
  const a = f64x2.abs(z);
  const isSmall = f64x2.le(a, v128.load(V_SPLIT_SMALL));
  // Each range's formula only where a lane needs it: most pairs of a book have both lanes in one range.
  if (i64x2.all_true(isSmall)) return cdfSmallV(z);
  const lower = f64x2.mul(e, ratioMidV(a));
  const mid = v128.bitselect(lower, f64x2.sub(v128.load(V_ONE), lower), f64x2.lt(z, f64x2.splat(0)));
  if (!v128.any_true(isSmall)) return mid;
  return v128.bitselect(cdfSmallV(z), mid, isSmall);
}

/** s plus lane 0 plus lane 1 of t, in that order (a running sum kept in index order). */
@inline
function addLanes(s: f64, t: v128): f64 {
  return s + f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
}

@inline
function col(base: usize, cap: i32, c: i32): usize {
  return base + ((<usize>cap * <usize>c) << 3);
}

@inline
function scratch(base: usize, cap: i32, c: i32): usize {
  return col(base, cap, N_COLS) + (<usize>SUM_SLOTS << 3) + ((<usize>CHUNK * <usize>c) << 3);
}

/** Bytes of scratch after the sums, which the caller's memory must hold. */
export function scratchBytes(): i32 {
  return (N_SCRATCH * CHUNK) << 3;
}

/**
 * One option, scalar: kernel.ts' bsEval (theta, vanna and volga included,
 * rho left out), for the lanes the paired path does not cover (expired,
 * zero vol, a d beyond sqrt(32)) and an odd last option.
 */
function bsScalar(base: usize, cap: i32, i: i32, S: f64, r: f64, q: f64): void {
  const o = <usize>i << 3;
  const w = load<f64>(col(base, cap, C_W) + o);
  const K = load<f64>(col(base, cap, C_K) + o);
  const T = load<f64>(col(base, cap, C_T) + o);
  const v = load<f64>(col(base, cap, C_VOL) + o);
  let price: f64, delta: f64, gamma: f64 = 0, vega: f64 = 0, theta: f64 = 0, vanna: f64 = 0, volga: f64 = 0;
  if (!(T > 0)) {
    const m = w * (S - K);
    price = m > 0 ? m : 0;
    delta = m > 0 ? w : m == 0 ? 0.5 * w : 0;
  } else {
    const dr = load<f64>(col(base, cap, C_DR) + o);
    const dq = load<f64>(col(base, cap, C_DQ) + o);
    const x = load<f64>(col(base, cap, C_X) + o);
    const sdq = S * dq;
    const kdr = K * dr;
    const sqrtT = Math.sqrt(T);
    const sd = v * sqrtT;
    if (!(sd > 0)) {
      const m = w * (sdq - kdr);
      const step: f64 = w * x > 0 ? 1 : x == 0 ? 0.5 : 0;
      price = m > 0 ? m : 0;
      delta = w * dq * step;
      theta = w * step * (q * sdq - r * kdr);
    } else {
      const d1 = x / sd + 0.5 * sd;
      const d2 = d1 - sd;
      const wo: f64 = x < 0 ? 1 : -1;
      const a1 = Math.abs(d1);
      const e1 = a1 <= SPLIT_TAIL ? expScalar(-0.5 * d1 * d1) : expHalfSquareExact(a1);
      const a2 = Math.abs(d2);
      const z1 = wo * d1;
      let p1: f64;
      if (a1 > SPLIT_SMALL && a1 <= SPLIT_TAIL) {
        const l1 = e1 * lowerTailRatioMid(a1);
        p1 = z1 < 0 ? l1 : 1 - l1;
      } else {
        p1 = normCdf(z1);
      }
      const z2 = wo * d2;
      let p2: f64;
      if (a2 > SPLIT_SMALL && a2 <= SPLIT_TAIL) {
        const e2 = a1 <= SPLIT_TAIL ? e1 * (sdq / kdr) : expScalar(-0.5 * d2 * d2);
        const l2 = e2 * lowerTailRatioMid(a2);
        p2 = z2 < 0 ? l2 : 1 - l2;
      } else {
        p2 = normCdf(z2);
      }
      let otm = wo * (sdq * p1 - kdr * p2);
      if (otm < 0) otm = 0;
      let n1: f64, n2: f64;
      if (w == wo) {
        price = otm;
        n1 = p1;
        n2 = p2;
      } else {
        price = w * (sdq - kdr) + otm;
        if (price < otm) price = otm;
        n1 = 1 - p1;
        n2 = 1 - p2;
      }
      const pdf1 = INV_SQRT_2PI * e1;
      vega = sdq * pdf1 * sqrtT;
      delta = w * dq * n1;
      gamma = (dq * pdf1) / (S * sd);
      theta = (-sdq * pdf1 * v) / (2 * sqrtT) + w * (q * sdq * n1 - r * kdr * n2);
      vanna = (-dq * pdf1 * d2) / v;
      volga = (vega * d1 * d2) / v;
    }
  }
  store<f64>(col(base, cap, C_PRICE) + o, price);
  store<f64>(col(base, cap, C_DELTA) + o, delta);
  store<f64>(col(base, cap, C_GAMMA) + o, gamma);
  store<f64>(col(base, cap, C_VEGA) + o, vega);
  store<f64>(col(base, cap, C_THETA) + o, theta);
  store<f64>(col(base, cap, C_VANNA) + o, vanna);
  store<f64>(col(base, cap, C_VOLGA) + o, volga);
}

/** SSVI total variance (src/surface/ssvi.ts, with its no-cancellation wing form). */
@inline
function ssviW(k: f64, theta: f64, phi: f64, rho: f64): f64 {
  const omr2 = (1 - rho) * (1 + rho);
  const z = phi * k + rho;
  const s = Math.sqrt(z * z + omr2);
  if (rho * z >= 0) return 0.5 * theta * (1 + rho * phi * k + s);
  return 0.5 * theta * (omr2 + (omr2 * (z * z + 1)) / (s - rho * z));
}

/** ssviW on two lanes: both forms computed with ssviW's operations, each lane taking the one ssviW's branch takes. */
@inline
function ssviWV(k: v128, theta: v128, phi: v128, rho: f64): v128 {
  const omr2 = (1 - rho) * (1 + rho);
  const vOmr2 = f64x2.splat(omr2);
  const vRho = f64x2.splat(rho);
  const one = v128.load(V_ONE);
  const halfTheta = f64x2.mul(v128.load(V_HALF), theta);
  const z = f64x2.add(f64x2.mul(phi, k), vRho);
  const s = f64x2.sqrt(f64x2.add(f64x2.mul(z, z), vOmr2));
  const rz = f64x2.mul(vRho, z);
  const isNear = f64x2.ge(rz, f64x2.splat(0));
  // Only the forms the lanes take (a division saved when both lanes take the near form).
  const near = f64x2.mul(halfTheta, f64x2.add(f64x2.add(one, f64x2.mul(f64x2.mul(vRho, phi), k)), s));
  if (i64x2.all_true(isNear)) return near;
  const wing = f64x2.mul(halfTheta, f64x2.add(vOmr2, f64x2.div(f64x2.mul(vOmr2, f64x2.add(f64x2.mul(z, z), one)), f64x2.sub(s, rz))));
  return v128.bitselect(near, wing, isNear);
}

/**
 * Per-option inputs from the expiry groups (mode 1: surface vols; mode 2:
 * the vols already in the column, for a re-price at a new spot after a
 * mode-1 valuation) or from the years and vols in the columns (mode 0).
 */
function prepare(base: usize, cap: i32, n: i32, mode: i32, logS: f64, r: f64, q: f64, rho: f64, shift: f64): void {
  const cT = col(base, cap, C_T);
  const cVol = col(base, cap, C_VOL);
  const cX = col(base, cap, C_X);
  const cDr = col(base, cap, C_DR);
  const cDq = col(base, cap, C_DQ);
  const cLogK = col(base, cap, C_LOGK);
  if (mode != 0) {
    const cGrp = col(base, cap, C_GRP);
    let i = 0;
    {
      // Two options at a time: the same operations as the scalar loop below, lane by lane (IEEE sqrt and
      // division are exact per lane, and ssviW's form is selected per lane as the scalar branch would),
      // so the columns are bit for bit the scalar loop's.
      const gT = col(base, cap, G_T);
      const gCarry = col(base, cap, G_CARRYT);
      const gDr = col(base, cap, G_DR);
      const gDq = col(base, cap, G_DQ);
      const gTheta = col(base, cap, G_THETA);
      const gPhi = col(base, cap, G_PHI);
      const vLogS = f64x2.splat(logS);
      const vShift = f64x2.splat(shift);
      const zero = f64x2.splat(0);
      for (; i + 1 < n; i += 2) {
        const o = <usize>i << 3;
        const g0 = <usize>(<i32>load<f64>(cGrp + o)) << 3;
        const g1 = <usize>(<i32>load<f64>(cGrp + o + 8)) << 3;
        // A book lists an expiry's options together, so both lanes mostly share a group: one load each then.
        const same = g0 == g1;
        const T = same ? v128.load64_splat(gT + g0) : f64x2(load<f64>(gT + g0), load<f64>(gT + g1));
        const carry = same ? v128.load64_splat(gCarry + g0) : f64x2(load<f64>(gCarry + g0), load<f64>(gCarry + g1));
        const x = f64x2.sub(f64x2.add(vLogS, carry), v128.load(cLogK + o));
        v128.store(cT + o, T);
        v128.store(cX + o, x);
        v128.store(cDr + o, same ? v128.load64_splat(gDr + g0) : f64x2(load<f64>(gDr + g0), load<f64>(gDr + g1)));
        v128.store(cDq + o, same ? v128.load64_splat(gDq + g0) : f64x2(load<f64>(gDq + g0), load<f64>(gDq + g1)));
        if (mode == 2) continue; // vols given
        const theta = same ? v128.load64_splat(gTheta + g0) : f64x2(load<f64>(gTheta + g0), load<f64>(gTheta + g1));
        const phi = same ? v128.load64_splat(gPhi + g0) : f64x2(load<f64>(gPhi + g0), load<f64>(gPhi + g1));
        const w = ssviWV(f64x2.sub(vShift, x), theta, phi, rho);
        const vol = f64x2.sqrt(f64x2.div(w, T));
        v128.store(cVol + o, v128.bitselect(vol, zero, f64x2.gt(T, zero)));
      }
    }
    for (; i < n; i++) {
      const o = <usize>i << 3;
      const g = <usize>(<i32>load<f64>(cGrp + o)) << 3;
      const T = load<f64>(col(base, cap, G_T) + g);
      const x = logS + load<f64>(col(base, cap, G_CARRYT) + g) - load<f64>(cLogK + o);
      store<f64>(cT + o, T);
      store<f64>(cX + o, x);
      store<f64>(cDr + o, load<f64>(col(base, cap, G_DR) + g));
      store<f64>(cDq + o, load<f64>(col(base, cap, G_DQ) + g));
      if (mode == 2) continue; // vols given
      let vol: f64 = 0;
      if (T > 0) {
        const w = ssviW(shift - x, load<f64>(col(base, cap, G_THETA) + g), load<f64>(col(base, cap, G_PHI) + g), rho);
        vol = Math.sqrt(w / T);
      }
      store<f64>(cVol + o, vol);
    }
  } else {
    let lastT: f64 = NaN;
    let dr: f64 = 1;
    let dq: f64 = 1;
    for (let i = 0; i < n; i++) {
      const o = <usize>i << 3;
      const T = load<f64>(cT + o);
      if (T != lastT) {
        dr = expScalar(-r * T);
        dq = expScalar(-q * T);
        lastT = T;
      }
      store<f64>(cDr + o, dr);
      store<f64>(cDq + o, dq);
      store<f64>(cX + o, logS - load<f64>(cLogK + o) + (r - q) * T);
    }
  }
}

/**
 * Values options 0..n-1 at spot S and writes the quantity-weighted sums
 * after the columns. mode 1 reads years and vols from the SSVI groups,
 * mode 2 years from the groups and the vol column as it is, mode 0 the
 * vol and years columns as they are.
 */
export function value(base: usize, cap: i32, n: i32, mode: i32, S: f64, logS: f64, r: f64, q: f64, rho: f64, shift: f64): void {
  prepare(base, cap, n, mode, logS, r, q, rho, shift);
  const cW = col(base, cap, C_W);
  const cK = col(base, cap, C_K);
  const cT = col(base, cap, C_T);
  const cVol = col(base, cap, C_VOL);
  const cX = col(base, cap, C_X);
  const cDr = col(base, cap, C_DR);
  const cDq = col(base, cap, C_DQ);
  const vS = f64x2.splat(S);
  const vR = f64x2.splat(r);
  const vQ = f64x2.splat(q);
  const zero = f64x2.splat(0);
  const one = v128.load(V_ONE);
  const half = v128.load(V_HALF);
  const tailLim = v128.load(V_SPLIT_TAIL);
  const cQ = col(base, cap, C_QTY);
  const cPrice = col(base, cap, C_PRICE);
  const cDelta = col(base, cap, C_DELTA);
  const cGamma = col(base, cap, C_GAMMA);
  const cVega = col(base, cap, C_VEGA);
  const cTheta = col(base, cap, C_THETA);
  const cVanna = col(base, cap, C_VANNA);
  const cVolga = col(base, cap, C_VOLGA);
  const cSqrtT = scratch(base, cap, S_SQRTT);
  const cSd = scratch(base, cap, S_SD);
  const cD1 = scratch(base, cap, S_D1);
  const cD2 = scratch(base, cap, S_D2);
  const cE1 = scratch(base, cap, S_E1);
  const cE2 = scratch(base, cap, S_E2);
  const cP1 = scratch(base, cap, S_P1);
  const cP2 = scratch(base, cap, S_P2);
  const cOk = scratch(base, cap, S_OK);
  const m = n & ~1;
  // Four loops over each chunk of CHUNK options, each passing its results
  // to the next through the scratch columns: d1 and d2; the exponentials;
  // the two CDFs; the outputs and sums. A pair's work is one long chain of
  // dependent operations (a division, the exponential, a Horner CDF,
  // another division), about 250 instructions in one loop body, too long
  // for the processor to overlap one pair with the next; a short body lets
  // it run several pairs at once. Each lane still takes the same operations
  // in the same order, so every output is bit for bit what one loop gave
  // (15% less time in the kernel on the engine bench's book). Chunks keep
  // the scratch and the columns' slices in the L1 cache for any book size.
  //
  // The book sums Σ qty · output, accumulated as the pairs come: lane 0 then
  // lane 1, so each sum still adds in index order, as the JavaScript
  // valuation sums (with equal per-option values the sums are then equal bit
  // for bit, and whole runs pick up no difference of summation order: the
  // sums feed the hedge, whose small trades are differences of them).
  let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0, s4: f64 = 0, s5: f64 = 0, s6: f64 = 0;
  for (let c0 = 0; c0 < m; c0 += CHUNK) {
    const c1 = c0 + CHUNK < m ? c0 + CHUNK : m;
    const sc = <usize>c0 << 3;
    for (let i = c0; i < c1; i += 2) {
      const o = <usize>i << 3;
      const so = o - sc;
      const T = v128.load(cT + o);
      const v = v128.load(cVol + o);
      const sqrtT = f64x2.sqrt(T);
      const sd = f64x2.mul(v, sqrtT);
      const x = v128.load(cX + o);
      const d1 = f64x2.add(f64x2.div(x, sd), f64x2.mul(half, sd));
      const d2 = f64x2.sub(d1, sd);
      const a1 = f64x2.abs(d1);
      const a2 = f64x2.abs(d2);
      const ok = v128.and(
        v128.and(f64x2.gt(T, zero), f64x2.gt(sd, zero)),
        v128.and(f64x2.le(a1, tailLim), f64x2.le(a2, tailLim)),
      );
      v128.store(cSqrtT + so, sqrtT);
      v128.store(cSd + so, sd);
      v128.store(cD1 + so, d1);
      v128.store(cD2 + so, d2);
      v128.store(cOk + so, ok);
    }
    // Pairs off the paired path are valued whole by bsScalar in the last loop.
    for (let i = c0; i < c1; i += 2) {
      const o = <usize>i << 3;
      const so = o - sc;
      if (!i64x2.all_true(v128.load(cOk + so))) continue;
      const d1 = v128.load(cD1 + so);
      const K = v128.load(cK + o);
      const dr = v128.load(cDr + o);
      const dq = v128.load(cDq + o);
      const sdq = f64x2.mul(vS, dq);
      const kdr = f64x2.mul(K, dr);
      const e1 = expV(f64x2.mul(f64x2.mul(v128.load(V_MINUS_HALF), d1), d1));
      v128.store(cE1 + so, e1);
      v128.store(cE2 + so, f64x2.mul(e1, f64x2.div(sdq, kdr)));
    }
    for (let i = c0; i < c1; i += 2) {
      const o = <usize>i << 3;
      const so = o - sc;
      if (!i64x2.all_true(v128.load(cOk + so))) continue;
      const wo = v128.bitselect(one, f64x2.neg(one), f64x2.lt(v128.load(cX + o), zero));
      v128.store(cP1 + so, cdfV(f64x2.mul(wo, v128.load(cD1 + so)), v128.load(cE1 + so)));
      v128.store(cP2 + so, cdfV(f64x2.mul(wo, v128.load(cD2 + so)), v128.load(cE2 + so)));
    }
    for (let i = c0; i < c1; i += 2) {
      const o = <usize>i << 3;
      const so = o - sc;
      let price: v128, delta: v128, gamma: v128, vega: v128, theta: v128, vanna: v128, volga: v128;
      if (!i64x2.all_true(v128.load(cOk + so))) {
        bsScalar(base, cap, i, S, r, q);
        bsScalar(base, cap, i + 1, S, r, q);
        price = v128.load(cPrice + o);
        delta = v128.load(cDelta + o);
        gamma = v128.load(cGamma + o);
        vega = v128.load(cVega + o);
        theta = v128.load(cTheta + o);
        vanna = v128.load(cVanna + o);
        volga = v128.load(cVolga + o);
      } else {
        const v = v128.load(cVol + o);
        const sqrtT = v128.load(cSqrtT + so);
        const sd = v128.load(cSd + so);
        const x = v128.load(cX + o);
        const d1 = v128.load(cD1 + so);
        const d2 = v128.load(cD2 + so);
        const e1 = v128.load(cE1 + so);
        const p1 = v128.load(cP1 + so);
        const p2 = v128.load(cP2 + so);
        const w = v128.load(cW + o);
        const K = v128.load(cK + o);
        const dr = v128.load(cDr + o);
        const dq = v128.load(cDq + o);
        const sdq = f64x2.mul(vS, dq);
        const kdr = f64x2.mul(K, dr);
        const xNeg = f64x2.lt(x, zero);
        const wo = v128.bitselect(one, f64x2.neg(one), xNeg);
        let otm = f64x2.mul(wo, f64x2.sub(f64x2.mul(sdq, p1), f64x2.mul(kdr, p2)));
        otm = v128.bitselect(zero, otm, f64x2.lt(otm, zero));
        const same = f64x2.eq(w, wo);
        let itm = f64x2.add(f64x2.mul(w, f64x2.sub(sdq, kdr)), otm);
        itm = v128.bitselect(otm, itm, f64x2.lt(itm, otm));
        price = v128.bitselect(otm, itm, same);
        const n1 = v128.bitselect(p1, f64x2.sub(one, p1), same);
        const n2 = v128.bitselect(p2, f64x2.sub(one, p2), same);
        const pdf1 = f64x2.mul(v128.load(V_INV_SQRT_2PI), e1);
        vega = f64x2.mul(f64x2.mul(sdq, pdf1), sqrtT);
        delta = f64x2.mul(f64x2.mul(w, dq), n1);
        gamma = f64x2.div(f64x2.mul(dq, pdf1), f64x2.mul(vS, sd));
        const th1 = f64x2.div(f64x2.mul(f64x2.neg(f64x2.mul(sdq, pdf1)), v), f64x2.mul(v128.load(V_TWO), sqrtT));
        const th2 = f64x2.mul(w, f64x2.sub(f64x2.mul(f64x2.mul(vQ, sdq), n1), f64x2.mul(f64x2.mul(vR, kdr), n2)));
        theta = f64x2.add(th1, th2);
        vanna = f64x2.div(f64x2.mul(f64x2.neg(f64x2.mul(dq, pdf1)), d2), v);
        volga = f64x2.div(f64x2.mul(f64x2.mul(vega, d1), d2), v);
        v128.store(cPrice + o, price);
        v128.store(cDelta + o, delta);
        v128.store(cGamma + o, gamma);
        v128.store(cVega + o, vega);
        v128.store(cTheta + o, theta);
        v128.store(cVanna + o, vanna);
        v128.store(cVolga + o, volga);
      }
      const qv = v128.load(cQ + o);
      s0 = addLanes(s0, f64x2.mul(qv, price));
      s1 = addLanes(s1, f64x2.mul(qv, delta));
      s2 = addLanes(s2, f64x2.mul(qv, gamma));
      s3 = addLanes(s3, f64x2.mul(qv, vega));
      s4 = addLanes(s4, f64x2.mul(qv, theta));
      s5 = addLanes(s5, f64x2.mul(qv, vanna));
      s6 = addLanes(s6, f64x2.mul(qv, volga));
    }
  }
  if (m < n) {
    bsScalar(base, cap, m, S, r, q);
    const o = <usize>m << 3;
    const qi = load<f64>(cQ + o);
    s0 += qi * load<f64>(cPrice + o);
    s1 += qi * load<f64>(cDelta + o);
    s2 += qi * load<f64>(cGamma + o);
    s3 += qi * load<f64>(cVega + o);
    s4 += qi * load<f64>(cTheta + o);
    s5 += qi * load<f64>(cVanna + o);
    s6 += qi * load<f64>(cVolga + o);
  }
  const out = col(base, cap, N_COLS);
  store<f64>(out, s0);
  store<f64>(out + 8, s1);
  store<f64>(out + 16, s2);
  store<f64>(out + 24, s3);
  store<f64>(out + 32, s4);
  store<f64>(out + 40, s5);
  store<f64>(out + 48, s6);
}

/**
 * The vol-change sums of the dealer's P&L attribution
 * (src/dealer/pnlAttribution.ts' volChangeSums, the same operations in the
 * same order): over the start options, with dv = end vol − start vol,
 * Σ qty·vega·dv, Σ qty·vanna·dv and Σ qty·volga·dv², written at sums 8, 9
 * and 10. endCol is the column holding the end vols (the vol column, or the
 * end-vol copy).
 */
export function volChange(base: usize, cap: i32, n: i32, endCol: i32): void {
  const cQ = col(base, cap, C_SQTY);
  const cVega = col(base, cap, C_SVEGA);
  const cVol = col(base, cap, C_SVOL);
  const cVanna = col(base, cap, C_SVANNA);
  const cVolga = col(base, cap, C_SVOLGA);
  const cEnd = col(base, cap, endCol);
  let vega: f64 = 0, vanna: f64 = 0, volga: f64 = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const q = load<f64>(cQ + o);
    const dv = load<f64>(cEnd + o) - load<f64>(cVol + o);
    vega += q * load<f64>(cVega + o) * dv;
    vanna += q * load<f64>(cVanna + o) * dv;
    volga += q * load<f64>(cVolga + o) * dv * dv;
  }
  const out = col(base, cap, N_COLS);
  store<f64>(out + 64, vega);
  store<f64>(out + 72, vanna);
  store<f64>(out + 80, volga);
}

/**
 * The dealer's P&L start snapshot of the book's columns (pnlAttribution.ts'
 * snapshotPnlStart, its column part): quantity, vega, vol, vanna and volga
 * of options 0..n-1 into the start columns.
 */
export function snapshotStart(base: usize, cap: i32, n: i32): void {
  const bytes = <usize>n << 3;
  memory.copy(col(base, cap, C_SQTY), col(base, cap, C_QTY), bytes);
  memory.copy(col(base, cap, C_SVEGA), col(base, cap, C_VEGA), bytes);
  memory.copy(col(base, cap, C_SVOL), col(base, cap, C_VOL), bytes);
  memory.copy(col(base, cap, C_SVANNA), col(base, cap, C_VANNA), bytes);
  memory.copy(col(base, cap, C_SVOLGA), col(base, cap, C_VOLGA), bytes);
}
