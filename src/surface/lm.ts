/**
 * A small dense Levenberg–Marquardt least-squares solver (Marquardt 1963,
 * damping scaled by diag(JᵀJ) as in Moré 1978; λ divided by 3 after an
 * accepted step, multiplied by 4 after a rejected one). Deterministic: central-difference Jacobian with
 * fixed steps, no randomness, so the same problem gives the same answer.
 * Sized for calibration (a handful of parameters, hundreds of residuals);
 * it allocates its work arrays once per solve.
 */

export interface LeastSquaresProblem {
  /** Number of parameters. */
  readonly n: number;
  /** Number of residuals. */
  readonly m: number;
  /** Write the residuals at x into out (length m). */
  residuals(x: Float64Array, out: Float64Array): void;
}

export interface LmOptions {
  readonly maxIterations?: number;
  /** Stop when the relative decrease of the cost in an accepted step falls below this. */
  readonly costTolerance?: number;
  /** Stop when the step is below this relative to |x|. */
  readonly stepTolerance?: number;
}

export interface LmResult {
  readonly x: Float64Array;
  /** ½ Σ r². */
  readonly cost: number;
  readonly iterations: number;
  readonly converged: boolean;
}

export function halfSquaredNorm(r: Float64Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i] * r[i];
  return 0.5 * s;
}

export function levenbergMarquardt(problem: LeastSquaresProblem, x0: Float64Array, opts: LmOptions = {}): LmResult {
  const { n, m } = problem;
  const maxIter = opts.maxIterations ?? 200;
  const costTol = opts.costTolerance ?? 1e-15;
  const stepTol = opts.stepTolerance ?? 1e-12;
  const x = Float64Array.from(x0);
  const r = new Float64Array(m);
  const rTrial = new Float64Array(m);
  const rPlus = new Float64Array(m);
  const jac = new Float64Array(m * n); // row-major: jac[i*n + j] = ∂r_i/∂x_j
  const jtj = new Float64Array(n * n);
  const jtr = new Float64Array(n);
  const a = new Float64Array(n * n);
  const step = new Float64Array(n);
  const xTrial = new Float64Array(n);

  problem.residuals(x, r);
  let cost = halfSquaredNorm(r);
  let lambda = 1e-3;
  let converged = false;
  let iter = 0;
  for (; iter < maxIter && !converged; iter++) {
    // Central differences: O(h²) truncation, h ~ eps^(1/3) balances rounding.
    for (let j = 0; j < n; j++) {
      const xj = x[j];
      const h = 6e-6 * Math.max(1, Math.abs(xj));
      x[j] = xj + h;
      problem.residuals(x, rPlus);
      x[j] = xj - h;
      problem.residuals(x, rTrial);
      x[j] = xj;
      for (let i = 0; i < m; i++) jac[i * n + j] = (rPlus[i] - rTrial[i]) / (2 * h);
    }
    jtj.fill(0);
    jtr.fill(0);
    let gradMax = 0;
    for (let i = 0; i < m; i++) {
      const ri = r[i];
      for (let j = 0; j < n; j++) {
        const jij = jac[i * n + j];
        jtr[j] += jij * ri;
        for (let l = 0; l <= j; l++) jtj[j * n + l] += jij * jac[i * n + l];
      }
    }
    for (let j = 0; j < n; j++) {
      for (let l = 0; l < j; l++) jtj[l * n + j] = jtj[j * n + l];
      gradMax = Math.max(gradMax, Math.abs(jtr[j]));
    }
    if (gradMax === 0 || cost === 0) {
      converged = true;
      break;
    }

    let accepted = false;
    for (let tries = 0; tries < 40 && !accepted; tries++) {
      a.set(jtj);
      for (let j = 0; j < n; j++) a[j * n + j] += lambda * Math.max(jtj[j * n + j], 1e-12);
      if (!choleskySolve(a, jtr, step, n)) {
        lambda *= 10;
        continue;
      }
      let stepNorm = 0;
      let xNorm = 0;
      for (let j = 0; j < n; j++) {
        xTrial[j] = x[j] - step[j];
        stepNorm += step[j] * step[j];
        xNorm += x[j] * x[j];
      }
      problem.residuals(xTrial, rTrial);
      const trialCost = halfSquaredNorm(rTrial);
      if (Number.isFinite(trialCost) && trialCost <= cost) {
        const decrease = cost - trialCost;
        x.set(xTrial);
        r.set(rTrial);
        const prev = cost;
        cost = trialCost;
        lambda = Math.max(lambda / 3, 1e-12);
        accepted = true;
        if (decrease <= costTol * prev || Math.sqrt(stepNorm) <= stepTol * (Math.sqrt(xNorm) + stepTol)) converged = true;
      } else {
        lambda *= 4;
        if (Math.sqrt(stepNorm) <= stepTol * (Math.sqrt(xNorm) + stepTol)) {
          // Damping has shrunk the step to nothing without a decrease: a minimum to working precision.
          converged = true;
          break;
        }
      }
    }
    if (!accepted && !converged) break;
  }
  return { x, cost, iterations: iter, converged };
}

/** Solve A s = b in place (A symmetric positive definite, n×n row-major, overwritten); false if not SPD. */
function choleskySolve(a: Float64Array, b: Float64Array, out: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / ljj;
    }
  }
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= a[i * n + k] * out[k];
    out[i] = s / a[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = out[i];
    for (let k = i + 1; k < n; k++) s -= a[k * n + i] * out[k];
    out[i] = s / a[i * n + i];
  }
  return true;
}
