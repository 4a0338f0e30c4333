// Regularization terms and the fused optimizer updates: one pass per parameter tensor, f32x4 main
// loops and scalar tails. Plain mul/add/div/sqrt in float32 (no FMA in either build), operation by
// operation as the JS twin (src/backend/js/optim.ts) rounds, so both backends agree bit for bit.

// @ts-ignore: decorator
@inline
function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** l1 Σ|w| + l2 Σ w², float64 sums */
export function regularizationPenalty(w: usize, n: i32, l1: f32, l2: f32): f64 {
  let abs: f64 = 0, sq: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = <f64>load<f32>(at(w, i));
    abs += Math.abs(v);
    sq += v * v;
  }
  return <f64>l1 * abs + <f64>l2 * sq;
}

/** dw += (w < 0 ? -l1 : l1) + 2 l2 w (the book's dL1 is +1 at w = 0) */
export function regularizationGrad(w: usize, dw: usize, n: i32, l1: f32, l2: f32): void {
  const twoL2: f32 = 2 * l2;
  const pos = f32x4.splat(l1), neg = f32x4.splat(-l1), vl2 = f32x4.splat(twoL2), zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const wv = v128.load(at(w, i));
    const sign = v128.bitselect(neg, pos, f32x4.lt(wv, zero));
    v128.store(at(dw, i), f32x4.add(f32x4.add(v128.load(at(dw, i)), sign), f32x4.mul(vl2, wv)));
  }
  for (; i < n; i++) {
    const wi = load<f32>(at(w, i));
    store<f32>(at(dw, i), (load<f32>(at(dw, i)) + (wi < 0 ? -l1 : l1)) + twoL2 * wi);
  }
}

/** w -= lr · dw */
export function sgdUpdate(w: usize, dw: usize, n: i32, lr: f32): void {
  const vlr = f32x4.splat(lr);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(w, i), f32x4.sub(v128.load(at(w, i)), f32x4.mul(vlr, v128.load(at(dw, i)))));
  for (; i < n; i++) store<f32>(at(w, i), load<f32>(at(w, i)) - lr * load<f32>(at(dw, i)));
}

/** m = momentum · m - lr · dw; w += m */
export function sgdMomentumUpdate(w: usize, dw: usize, m: usize, n: i32, lr: f32, momentum: f32): void {
  const vlr = f32x4.splat(lr), vmo = f32x4.splat(momentum);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const mv = f32x4.sub(f32x4.mul(vmo, v128.load(at(m, i))), f32x4.mul(vlr, v128.load(at(dw, i))));
    v128.store(at(m, i), mv);
    v128.store(at(w, i), f32x4.add(v128.load(at(w, i)), mv));
  }
  for (; i < n; i++) {
    const mv = momentum * load<f32>(at(m, i)) - lr * load<f32>(at(dw, i));
    store<f32>(at(m, i), mv);
    store<f32>(at(w, i), load<f32>(at(w, i)) + mv);
  }
}

/** cache += dw²; w -= lr · dw / (sqrt(cache) + eps) */
export function adagradUpdate(w: usize, dw: usize, cache: usize, n: i32, lr: f32, eps: f32): void {
  const vlr = f32x4.splat(lr), veps = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const g = v128.load(at(dw, i));
    const c = f32x4.add(v128.load(at(cache, i)), f32x4.mul(g, g));
    v128.store(at(cache, i), c);
    v128.store(at(w, i), f32x4.sub(v128.load(at(w, i)), f32x4.div(f32x4.mul(vlr, g), f32x4.add(f32x4.sqrt(c), veps))));
  }
  for (; i < n; i++) {
    const g = load<f32>(at(dw, i));
    const c = load<f32>(at(cache, i)) + g * g;
    store<f32>(at(cache, i), c);
    store<f32>(at(w, i), load<f32>(at(w, i)) - (lr * g) / (Mathf.sqrt(c) + eps));
  }
}

/** cache = rho · cache + (1 - rho) · dw²; w -= lr · dw / (sqrt(cache) + eps); rho = 1 - oneMinusRho */
export function rmspropUpdate(w: usize, dw: usize, cache: usize, n: i32, lr: f32, eps: f32, oneMinusRho: f32): void {
  const rho: f32 = 1 - oneMinusRho;
  const vlr = f32x4.splat(lr), veps = f32x4.splat(eps), vrho = f32x4.splat(rho), vomr = f32x4.splat(oneMinusRho);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const g = v128.load(at(dw, i));
    const c = f32x4.add(f32x4.mul(vrho, v128.load(at(cache, i))), f32x4.mul(vomr, f32x4.mul(g, g)));
    v128.store(at(cache, i), c);
    v128.store(at(w, i), f32x4.sub(v128.load(at(w, i)), f32x4.div(f32x4.mul(vlr, g), f32x4.add(f32x4.sqrt(c), veps))));
  }
  for (; i < n; i++) {
    const g = load<f32>(at(dw, i));
    const c = rho * load<f32>(at(cache, i)) + oneMinusRho * (g * g);
    store<f32>(at(cache, i), c);
    store<f32>(at(w, i), load<f32>(at(w, i)) - (lr * g) / (Mathf.sqrt(c) + eps));
  }
}

/**
 * Adam: m = b1 m + (1 - b1) dw; v = b2 v + (1 - b2) dw²; w -= lr (m / c1) / (sqrt(v / c2) + eps),
 * b = 1 - oneMinusBeta (the complements arrive exact; see src/backend/kernels/optim.ts)
 */
export function adamUpdate(w: usize, dw: usize, m: usize, v: usize, n: i32, lr: f32, oneMinusBeta1: f32, oneMinusBeta2: f32, eps: f32, c1: f32, c2: f32): void {
  const beta1: f32 = 1 - oneMinusBeta1, beta2: f32 = 1 - oneMinusBeta2;
  const vb1 = f32x4.splat(beta1), vb2 = f32x4.splat(beta2), vk1 = f32x4.splat(oneMinusBeta1), vk2 = f32x4.splat(oneMinusBeta2);
  const vlr = f32x4.splat(lr), veps = f32x4.splat(eps), vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const g = v128.load(at(dw, i));
    const mv = f32x4.add(f32x4.mul(vb1, v128.load(at(m, i))), f32x4.mul(vk1, g));
    const vv = f32x4.add(f32x4.mul(vb2, v128.load(at(v, i))), f32x4.mul(vk2, f32x4.mul(g, g)));
    v128.store(at(m, i), mv);
    v128.store(at(v, i), vv);
    const step = f32x4.div(f32x4.mul(vlr, f32x4.div(mv, vc1)), f32x4.add(f32x4.sqrt(f32x4.div(vv, vc2)), veps));
    v128.store(at(w, i), f32x4.sub(v128.load(at(w, i)), step));
  }
  for (; i < n; i++) {
    const g = load<f32>(at(dw, i));
    const mv = beta1 * load<f32>(at(m, i)) + oneMinusBeta1 * g;
    const vv = beta2 * load<f32>(at(v, i)) + oneMinusBeta2 * (g * g);
    store<f32>(at(m, i), mv);
    store<f32>(at(v, i), vv);
    store<f32>(at(w, i), load<f32>(at(w, i)) - (lr * (mv / c1)) / (Mathf.sqrt(vv / c2) + eps));
  }
}
