/**
 * The root-finder behind inferred mode (docs/model.md#reading-history): finds
 * the offset d, in log-price, of a bar's exogenous reference price from a
 * first guess such that the bar ends at its target close. `evaluate(d)` runs
 * the bar (one try) and returns g(d) = ln(close / target).
 *
 * Below the critical point g is increasing, so once two tries straddle the
 * target, Brent's method converges. A bracket is found by safeguarded secant
 * steps from the guess (the first step assumes slope 1: the agents' move is
 * locally a constant). Where the bracket shrinks to adjacent doubles without
 * reaching the tolerance, g jumps across the target there (a liquidation
 * threshold, a cascade past the critical point): the bar has no solution and
 * the solver reports the nearest close it reached.
 */
export class ShockSolver {
  /** The offset of the answer (the nearest attainable close when unsolved). */
  d = 0;
  /** g at `d`. */
  g = 0;
  /** The offset of the most recent try: when it differs from `d` the caller re-runs the bar at `d`. */
  lastTried = 0;
  /** Tries of the last solve. */
  tries = 0;
  /** Whether the last solve reached the tolerance. */
  solved = false;
  // The try nearest the target so far: past the critical point g need not be
  // monotone, and the bracket's ends are then not the nearest closes reached.
  private bestD = 0;
  private bestG = Infinity;
  private readonly evaluate: (d: number) => number;
  private readonly maxTries: number;

  /** `maxTries` caps the tries of one bar: a bar that uses them all is unsolved. */
  constructor(evaluate: (d: number) => number, maxTries = 100) {
    this.evaluate = evaluate;
    this.maxTries = maxTries;
  }

  private tryAt(d: number): number {
    this.tries++;
    this.lastTried = d;
    const g = this.evaluate(d);
    // A try that leaves the numbers (a price of 0 or infinity) counts as far
    // off on the side its offset was: the response is increasing.
    if (Number.isNaN(g)) return d < 0 ? -Infinity : Infinity;
    if (Math.abs(g) < Math.abs(this.bestG)) {
      this.bestD = d;
      this.bestG = g;
    }
    return g;
  }

  /**
   * Solves for |close/target − 1| ≤ `tol`. The first try is at d = 0 exactly
   * (so with nothing acting the answer is the guess itself, bit for bit).
   */
  solve(tol: number): void {
    this.tries = 0;
    this.bestG = Infinity;
    const ok = (g: number): boolean => Math.abs(Math.expm1(g)) <= tol;
    let a = 0;
    let fa = this.tryAt(0);
    if (ok(fa)) return this.finish(a, fa, true);
    if (!Number.isFinite(fa)) return this.unsolved();
    let b = -fa;
    let fb = this.tryAt(b);
    // Bracketing: secant extrapolation, overshooting a little so the target
    // is straddled rather than crept up on; at most 4 times the last step.
    while (Math.sign(fa) === Math.sign(fb) && !ok(fb)) {
      if (this.tries >= this.maxTries || Math.abs(b) > MAX_OFFSET || !Number.isFinite(fb)) {
        return this.unsolved();
      }
      const span = Math.abs(b - a);
      const slope = (fb - fa) / (b - a);
      let mag = slope > 0 && Number.isFinite(slope) ? (1.2 * Math.abs(fb)) / slope : 2 * span;
      mag = Math.min(Math.max(mag, 1e-12), 4 * span + Math.abs(fb));
      const next = b - Math.sign(fb) * mag;
      a = b;
      fa = fb;
      b = next;
      fb = this.tryAt(b);
    }
    if (ok(fb)) return this.finish(b, fb, true);
    this.brent(a, fa, b, fb, ok);
  }

  /** Brent's method on a bracket [a, b] with g(a), g(b) of opposite signs. */
  private brent(a: number, fa: number, b: number, fb: number, ok: (g: number) => boolean): void {
    let c = b;
    let fc = fb;
    let d = b - a;
    let e = d;
    for (;;) {
      if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
        c = a;
        fc = fa;
        d = b - a;
        e = d;
      }
      if (Math.abs(fc) < Math.abs(fb)) {
        a = b;
        b = c;
        c = a;
        fa = fb;
        fb = fc;
        fc = fa;
      }
      if (ok(fb)) return this.finish(b, fb, true);
      const tol1 = 2 * Number.EPSILON * Math.abs(b) + 0.5 * X_TOL;
      const xm = 0.5 * (c - b);
      // The bracket is down to adjacent offsets and g still jumps across the
      // target: no offset reaches it.
      if (Math.abs(xm) <= tol1 || this.tries >= this.maxTries) return this.unsolved();
      if (Math.abs(e) >= tol1 && Math.abs(fa) > Math.abs(fb) && Number.isFinite(fa) && Number.isFinite(fc)) {
        const s = fb / fa;
        let p: number;
        let q: number;
        if (a === c) {
          p = 2 * xm * s;
          q = 1 - s;
        } else {
          const qq = fa / fc;
          const r = fb / fc;
          p = s * (2 * xm * qq * (qq - r) - (b - a) * (r - 1));
          q = (qq - 1) * (r - 1) * (s - 1);
        }
        if (p > 0) q = -q;
        p = Math.abs(p);
        if (2 * p < Math.min(3 * xm * q - Math.abs(tol1 * q), Math.abs(e * q))) {
          e = d;
          d = p / q;
        } else {
          d = xm;
          e = d;
        }
      } else {
        d = xm;
        e = d;
      }
      a = b;
      fa = fb;
      b += Math.abs(d) > tol1 ? d : Math.sign(xm) * tol1;
      fb = this.tryAt(b);
    }
  }

  /** No offset reached the tolerance: the answer is the nearest close tried. */
  private unsolved(): void {
    this.finish(this.bestD, this.bestG, false);
  }

  private finish(d: number, g: number, solved: boolean): void {
    this.d = d;
    this.g = g;
    this.solved = solved;
  }
}

/** Offsets resolvable on a log-price near ln(1e6): about two doubles apart. */
const X_TOL = 4e-16;
/** A factor of e^20 off the guess is no longer a shock: the bar is unsolved. */
const MAX_OFFSET = 20;
