/**
 * Weight initializers by Keras's names and semantics, drawn from the layer's seeded Rng so a seed
 * fixes them on either backend. fanIn / fanOut are the kernel's input and output units times its
 * receptive field (kh·kw for a convolution). The normal variance-scaling ones are Keras 3's: a
 * normal truncated at 2σ and divided by 0.8796, so the standard deviation is exactly the target
 * (TF.js does not rescale: ~0.88 of it).
 */
import type { Rng } from '../backend/random.ts';
import { ValueError } from '../errors.ts';
import { describe } from '../describe.ts';

/** the standard deviation of a standard normal truncated at ±2 */
const TRUNCATED_STD = 0.87962566103423978;

const truncated = (rng: Rng): number => {
  for (;;) {
    const z = rng.normal();
    if (Math.abs(z) <= 2) return z / TRUNCATED_STD;
  }
};

type Draw = (rng: Rng, fanIn: number, fanOut: number) => number;

const INITIALIZERS = {
  /** U(−L, L), L = √(6 / (fanIn + fanOut)): Keras's default for Dense and Conv2D kernels */
  glorotUniform: (rng, i, o) => (2 * rng.uniform() - 1) * Math.sqrt(6 / (i + o)),
  glorotNormal: (rng, i, o) => truncated(rng) * Math.sqrt(2 / (i + o)),
  heNormal: (rng, i) => truncated(rng) * Math.sqrt(2 / i),
  heUniform: (rng, i) => (2 * rng.uniform() - 1) * Math.sqrt(6 / i),
  lecunNormal: (rng, i) => truncated(rng) * Math.sqrt(1 / i),
  lecunUniform: (rng, i) => (2 * rng.uniform() - 1) * Math.sqrt(3 / i),
  /** N(0, 0.05²), Keras's RandomNormal default */
  randomNormal: (rng) => 0.05 * rng.normal(),
  /** U(−0.05, 0.05), Keras's RandomUniform default */
  randomUniform: (rng) => 0.1 * rng.uniform() - 0.05,
  zeros: () => 0,
  ones: () => 1,
  /** the book's 0.01 · N(0, 1) (nnfs Layer_Dense) */
  book: (rng) => 0.01 * rng.normal(),
} satisfies Record<string, Draw>;

/**
 * Keras's Orthogonal (gain 1) on the [fanIn, values / fanIn] matrix: the Q of a normal matrix's QR
 * (the taller orientation, Q's columns orthonormal, the signs making R's diagonal positive),
 * transposed when the matrix is wide, so its rows or columns, whichever are fewer, are orthonormal.
 * The recurrent layers' default for their recurrent kernel.
 */
function orthogonal(values: Float32Array, rng: Rng, rows: number): void {
  const cols = values.length / rows, m = Math.max(rows, cols), k = Math.min(rows, cols);
  const a = Array.from({ length: k }, () => Float64Array.from({ length: m }, () => rng.normal())); // a[j] = column j
  // modified Gram–Schmidt: R's diagonal comes out positive, as Keras's sign correction makes it
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < j; i++) {
      let d = 0;
      for (let r = 0; r < m; r++) d += a[i][r] * a[j][r];
      for (let r = 0; r < m; r++) a[j][r] -= d * a[i][r];
    }
    const norm = Math.hypot(...a[j]);
    for (let r = 0; r < m; r++) a[j][r] /= norm;
  }
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) values[r * cols + c] = rows >= cols ? a[c][r] : a[r][c];
}

export type InitializerName = keyof typeof INITIALIZERS | 'orthogonal';

/** a checked initializer name (own names only, so "constructor" is not one) */
export function checkInitializer(v: unknown, who: string, name: string): InitializerName {
  if (typeof v !== 'string' || !(Object.hasOwn(INITIALIZERS, v) || v === 'orthogonal'))
    throw new ValueError(`${who}: ${name} must be one of ${[...Object.keys(INITIALIZERS), 'orthogonal'].join(', ')}, got ${describe(v)}`);
  return v as InitializerName;
}

/** fill `values` from `rng` by the named initializer */
export function initialize(values: Float32Array, name: InitializerName, rng: Rng, fanIn: number, fanOut: number): void {
  if (name === 'orthogonal') return orthogonal(values, rng, fanIn);
  const draw: Draw = INITIALIZERS[name];
  for (let i = 0; i < values.length; i++) values[i] = draw(rng, fanIn, fanOut);
}
