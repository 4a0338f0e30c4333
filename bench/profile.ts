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
 * For the MNIST models each untimed epoch is followed by a turn of the GEMM's 4×8 micro-kernel alone
 * (bench/assembly/ceiling.ts, `npm run asbuild:ceiling`) on the same build: the effective GFLOP/s
 * (3 passes of 2·m·k·n per Conv2D and Dense layer, per sample) over that ceiling, round by round,
 * is the run's efficiency. --wasm=DIR runs DIR/nnwasm.wasm and DIR/nnwasm-relaxed.wasm instead of build/.
 */
import {
  createBackend, Model, LayerDense, ActivationReLU, LayerDropout, ActivationSoftmax, LossCategoricalCrossentropy, OptimizerAdam,
  spiralData,
} from '../src/index.ts';
import { timeKernels } from './kernelTimer.ts';
import { readFileSync } from 'node:fs';
import { LayerConv2D } from '../src/layers/conv2d.ts';
import { loadMnist } from '../examples/lib/mnist.ts';
import { mnistCnn } from '../examples/mnist-cnn.ts';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const which = args[0] ?? 'ch15';
const simd = (args[1] ?? 'baseline') as 'baseline' | 'relaxed';
const fuse = !process.argv.includes('--no-fuse');
const wasmDir = process.argv.find((a) => a.startsWith('--wasm='))?.slice(7);
const b = await createBackend('wasm', {
  seed: 0, simd, ...(wasmDir ? { wasm: { baseline: readFileSync(`${wasmDir}/nnwasm.wasm`), relaxed: readFileSync(`${wasmDir}/nnwasm-relaxed.wasm`) } } : {}),
});

/** the GEMM-shaped kernels and where their m, k, n sit in the arguments */
const GEMMS = new Map([['gemmNN', 4], ['gemmTN', 3], ['gemmNT', 3], ['denseReluForward', 4]]);
const shapeOf = (name: string, a: number[]) => {
  const at = GEMMS.get(name)!;
  return `${a[at]}×${a[at + 1]}×${a[at + 2]}`;
};

/** the image kernels and reluDropoutGate are listed per image (h×w×c) or matrix (rows×cols) */
const IMAGES = new Map([
  ['im2col', 3], ['col2im', 3], ['conv2dForward', 5], ['conv2dBackwardKernel', 4], ['conv2dBackwardInput', 4],
  ['maxPoolForward', 4], ['maxPoolBackward', 4], ['avgPoolForward', 3], ['avgPoolBackward', 3],
]);
const labelOf = (name: string, a: number[]) => {
  if (GEMMS.has(name)) return `${name} ${shapeOf(name, a)}`;
  const at = IMAGES.get(name);
  if (at !== undefined) return `${name} ${a[at]}×${a[at + 1]}×${a[at + 2]}`;
  if (name === 'reluDropoutGate') return `${name} ${a[4]}×${a[5]}`;
  return name;
};

// every kernel call adds its wall time to `times`, per GEMM or image shape
const timer = timeKernels(b, labelOf), { times, calls } = timer;

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

/** the GEMM flop of one training sample: forward, dweights and dinputs of each Conv2D and Dense (3 × 2·m·k·n) */
let flopPerSample = 0;
for (const layer of model.layers) {
  if (layer instanceof LayerDense) flopPerSample += 3 * 2 * layer.nInputs * layer.nNeurons;
  else if (layer instanceof LayerConv2D) {
    const [oh, ow, f] = layer.output.shape.slice(1), [kh, kw] = layer.kernelSize;
    flopPerSample += 3 * 2 * oh * ow * kh * kw * layer.inChannels! * f;
  }
}

/**
 * the 4×8 micro-kernel alone over L1-resident panels (as bench/run.ts times it): a slice of ~8 ms
 * after every training step, so the ceiling samples the machine's load through the whole epoch
 */
const ceiling = ch15 ? undefined : await (async () => {
  const file = simd === 'relaxed' ? 'ceiling-relaxed.wasm' : 'ceiling.wasm';
  const { instance } = await WebAssembly.instantiate(readFileSync(new URL(`../build/${file}`, import.meta.url)), { env: { abort: () => { throw new Error(`${file} aborted`); } } });
  const x = instance.exports as unknown as { tiles(calls: number): void; FLOPS_PER_TILE: WebAssembly.Global };
  const calls = 2000, flop = calls * (x.FLOPS_PER_TILE.value as number);
  for (let i = 0; i < 200; i++) x.tiles(calls); // tier up
  return { flop: 10 * flop, slice: () => { for (let i = 0; i < 10; i++) x.tiles(calls); } };
})();

// the untimed epochs, step by step through the Model's training generator (what fit drains), so
// that a ceiling slice can run between steps; its time is kept out of the epoch's
const plain: number[] = [], ceilings: number[] = [], ratios: number[] = [];
let stepMs = 0, ceilingMs = 0, ceilingFlop = 0;
const training = (model as unknown as { training(X: unknown, y: unknown, o: object): Generator<void, unknown, void> }).training(data.X, data.y, {
  ...fit, epochs, onEpochEnd: () => {
    plain.push(stepMs);
    if (ceiling) {
      const g = ceilingFlop / ceilingMs / 1e6;
      ceilings.push(g);
      ratios.push((data.X.rows * flopPerSample) / stepMs / 1e6 / g);
    }
    stepMs = ceilingMs = ceilingFlop = 0;
  },
});
for (;;) {
  let t = performance.now();
  const done = training.next().done;
  stepMs += performance.now() - t;
  if (done) break;
  if (ceiling) {
    t = performance.now();
    ceiling.slice();
    ceilingMs += performance.now() - t;
    ceilingFlop += ceiling.flop;
  }
}
const median = (v: number[]) => [...v].sort((p, q) => p - q)[v.length >> 1];
const med = median(plain);

timer.on = true;
const start = performance.now();
model.fit(data.X, data.y, { ...fit, epochs });
const total = (performance.now() - start) / epochs;
timer.on = false;

const per = (ms: number) => `${(ms / epochs).toFixed(3).padStart(8)} ms`;
console.log(`${which} on ${b.variant}${fuse ? '' : ' (fuse: false)'}: median epoch ${med.toFixed(3)} ms (min ${Math.min(...plain).toFixed(3)})` +
  (ch15 ? '' : `, ${((data.X.rows / med) * 1e3).toFixed(0)} samples/s`));
if (ceiling) {
  console.log(`  ${(flopPerSample / 1e6).toFixed(2)} MFLOP per sample: ${((data.X.rows * flopPerSample) / med / 1e6).toFixed(1)} GFLOP/s effective; ` +
    `ceiling (4×8 micro-kernel between the steps) ${ceilings.map((g) => g.toFixed(1)).join(' ')}, median ${median(ceilings).toFixed(1)} GFLOP/s; ratio per epoch ${ratios.map((r) => (100 * r).toFixed(1)).join(' ')}, median ${(100 * median(ratios)).toFixed(1)}%`);
}
console.log(`timed run: ${total.toFixed(3)} ms/epoch; per kernel (ms/epoch, calls/epoch):`);
let kernels = 0;
for (const [name, t] of [...times].sort((p, q) => q[1] - p[1])) {
  kernels += t;
  console.log(`  ${name.padEnd(34)}${per(t)}  ${(calls.get(name)! / epochs).toFixed(0).padStart(5)}  ${((100 * t) / epochs / total).toFixed(1).padStart(5)}%`);
}
console.log(`  ${'(TypeScript: layers, loop)'.padEnd(34)}${(total - kernels / epochs).toFixed(3).padStart(8)} ms`);
model.dispose();
