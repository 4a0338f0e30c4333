/**
 * Where an epoch's time goes: per-kernel wall time of the chapter-15 model, the MNIST MLP or the
 * seeds' MNIST CNN on the wasm backend, by wrapping every kernel of the backend's registry with a
 * timer (GEMMs are listed per shape: m×k×n).
 *
 *   npx tsx bench/profile.ts [ch15|mlp|cnn] [baseline|relaxed] [epochs] [--no-fuse]
 *   node --experimental-wasm-relaxed-simd --import tsx bench/profile.ts ch15 relaxed
 *
 * Prints the median epoch without the timers, then each kernel's share of a timed run (the timers
 * add about a microsecond per call), and what is left for TypeScript (the layers, the Model loop).
 */
import {
  createBackend, Model, LayerDense, ActivationReLU, LayerDropout, ActivationSoftmax, LossCategoricalCrossentropy, OptimizerAdam,
  spiralData, type Kernels,
} from '../src/index.ts';
import { loadMnist } from '../examples/lib/mnist.ts';
import { mnistCnn } from '../examples/mnist-cnn.ts';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const which = args[0] ?? 'ch15';
const simd = (args[1] ?? 'baseline') as 'baseline' | 'relaxed';
const fuse = !process.argv.includes('--no-fuse');
const b = await createBackend('wasm', { seed: 0, simd });

/** the GEMM-shaped kernels and where their m, k, n sit in the arguments */
const GEMMS = new Map([['gemmNN', 4], ['gemmTN', 3], ['gemmNT', 3], ['denseReluForward', 4]]);
const shapeOf = (name: string, a: number[]) => {
  const at = GEMMS.get(name)!;
  return `${a[at]}×${a[at + 1]}×${a[at + 2]}`;
};

// wrap the registry: every kernel call adds its wall time to `times`
const times = new Map<string, number>(), calls = new Map<string, number>();
let timing = false;
const raw = b.kernels as unknown as Record<string, (...a: number[]) => number | void>;
const wrapped: Record<string, unknown> = {};
for (const name of Object.keys(raw)) {
  const f = raw[name];
  if (typeof f !== 'function') continue;
  wrapped[name] = (...a: number[]) => {
    if (!timing) return f(...a);
    const t = performance.now();
    const r = f(...a);
    const key = GEMMS.has(name) ? `${name} ${shapeOf(name, a)}` : name;
    times.set(key, (times.get(key) ?? 0) + performance.now() - t);
    calls.set(key, (calls.get(key) ?? 0) + 1);
    return r;
  };
}
Object.defineProperty(b, 'kernels', { value: wrapped as unknown as Kernels });

const ch15 = which === 'ch15';
const data = ch15 ? spiralData(1000, 3, 0) : loadMnist(0.8, 7, which === 'cnn').train;
const [nIn, hidden, nOut, rate] = ch15 ? [2, 512, 3, 0.1] : [784, 128, 10, 0.2];
const reg = ch15 ? { weightRegularizerL2: 5e-4, biasRegularizerL2: 5e-4 } : {};
const model = which === 'cnn' ? mnistCnn(b) : new Model({ backend: b })
  .add(new LayerDense(nIn, hidden, { ...reg, backend: b }))
  .add(new ActivationReLU({ backend: b }))
  .add(new LayerDropout(rate, { backend: b }))
  .add(new LayerDense(hidden, nOut, { backend: b }))
  .add(new ActivationSoftmax({ backend: b }))
  .compile({
    loss: new LossCategoricalCrossentropy({ backend: b }),
    optimizer: new OptimizerAdam(ch15 ? { learningRate: 0.05, decay: 5e-5, backend: b } : { learningRate: 0.001, backend: b }),
    fuse,
  });
const fit = ch15 ? {} : { batchSize: 128, shuffle: true };
const epochs = Number(args[2] ?? (ch15 ? 300 : which === 'cnn' ? 2 : 6));
model.fit(data.X, data.y, { ...fit, epochs: ch15 ? 30 : 1 }); // warm-up: sizes every buffer, tiers the wasm up

const plain: number[] = [];
let t0 = performance.now();
model.fit(data.X, data.y, { ...fit, epochs, onEpochEnd: () => { const t = performance.now(); plain.push(t - t0); t0 = t; } });
plain.sort((p, q) => p - q);
const med = plain[plain.length >> 1];

timing = true;
const start = performance.now();
model.fit(data.X, data.y, { ...fit, epochs });
const total = (performance.now() - start) / epochs;
timing = false;

const per = (ms: number) => `${(ms / epochs).toFixed(3).padStart(8)} ms`;
console.log(`${which} on ${b.variant}${fuse ? '' : ' (fuse: false)'}: median epoch ${med.toFixed(3)} ms (min ${plain[0].toFixed(3)})` +
  (ch15 ? '' : `, ${((data.X.rows / med) * 1e3).toFixed(0)} samples/s`));
console.log(`timed run: ${total.toFixed(3)} ms/epoch; per kernel (ms/epoch, calls/epoch):`);
let kernels = 0;
for (const [name, t] of [...times].sort((p, q) => q[1] - p[1])) {
  kernels += t;
  console.log(`  ${name.padEnd(22)}${per(t)}  ${(calls.get(name)! / epochs).toFixed(0).padStart(5)}  ${((100 * t) / epochs / total).toFixed(1).padStart(5)}%`);
}
console.log(`  ${'(TypeScript: layers, loop)'.padEnd(22)}${(total - kernels / epochs).toFixed(3).padStart(8)} ms`);
model.dispose();
