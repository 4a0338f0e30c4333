// SELU (for alpha dropout's self-normalizing networks) and tanh, forward and backward.
// Transcendentals in f64 rounded once to f32, as sigmoidForward; backward passes in f32 (SIMD).

const LAMBDA: f64 = 1.0507009873554804934193349852946;
const ALPHA: f64 = 1.6732632423543772848170429916717;
const LAMBDA_ALPHA: f64 = LAMBDA * ALPHA;

// @ts-ignore: decorator
@inline
function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** y = λ x for x > 0, λ α (e^x − 1) otherwise (y may alias x) */
export function seluForward(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = <f64>load<f32>(at(x, i));
    store<f32>(at(y, i), <f32>(v > 0 ? LAMBDA * v : LAMBDA_ALPHA * Math.expm1(v)));
  }
}

/** dx = dy · λ where x > 0, dy · (y + λα) elsewhere (y = selu(x) = λα(e^x − 1) there) */
export function seluBackward(x: usize, y: usize, dy: usize, dx: usize, n: i32): void {
  const l = <f32>LAMBDA, la = <f32>LAMBDA_ALPHA;
  const vl = f32x4.splat(l), vla = f32x4.splat(la), zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const d = v128.load(at(dy, i));
    const pos = f32x4.gt(v128.load(at(x, i)), zero);
    const slope = v128.bitselect(vl, f32x4.add(v128.load(at(y, i)), vla), pos);
    v128.store(at(dx, i), f32x4.mul(d, slope));
  }
  for (; i < n; i++) {
    const slope: f32 = load<f32>(at(x, i)) > 0 ? l : load<f32>(at(y, i)) + la;
    store<f32>(at(dx, i), load<f32>(at(dy, i)) * slope);
  }
}

/** y = tanh(x) (y may alias x) */
export function tanhForward(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(at(y, i), <f32>Math.tanh(<f64>load<f32>(at(x, i))));
}

/** dx = dy · (1 − y²) */
export function tanhBackward(y: usize, dy: usize, dx: usize, n: i32): void {
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const yv = v128.load(at(y, i));
    v128.store(at(dx, i), f32x4.mul(v128.load(at(dy, i)), f32x4.sub(one, f32x4.mul(yv, yv))));
  }
  for (; i < n; i++) {
    const yv = load<f32>(at(y, i));
    store<f32>(at(dx, i), load<f32>(at(dy, i)) * (1 - yv * yv));
  }
}
