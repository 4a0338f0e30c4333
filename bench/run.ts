/**
 * nnwasm benchmarks, one run, one table: kernels and whole models for nnwasm's js backend and
 * the wasm builds this runtime validates, beside the peers TensorFlow.js cpu and wasm.
 *
 *   npm run bench                # full (a few minutes)
 *   npm run bench -- --quick     # smoke check (under 2 minutes)
 *
 * `npm run bench` starts Node with --experimental-wasm-relaxed-simd so Node 20 also runs the
 * relaxed-SIMD (FMA) build, and with --expose-gc for the memory check.
 *
 * Kernels are timed with the `benchmark` package, the engines of a case in turns (five rounds,
 * three with --quick): a round's figure is the median of its samples (each sample a mean over
 * many calls; a call over 0.1 s is timed once per round), the case's figure the median of its
 * rounds. Each square GEMM from 256³ is also read against the ceiling of its build, the 4×8
 * inner loop alone (bench/assembly/ceiling.ts), timed in the same rounds. Models run epochs after
 * a warm-up and report the median epoch.
 * Prints one markdown table and writes bench/results/latest.json as rows of
 * {suite, case, engine, metric, value, unit}.
 */
import Benchmark from 'benchmark';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import {
  createBackend, Model, LayerDense, ActivationReLU, LayerDropout, ActivationSoftmax, LossCategoricalCrossentropy,
  OptimizerAdam, LayerConv2D, spiralData, Matrix, type Backend,
} from '../src/index.ts';
import { loadMnist } from '../examples/lib/mnist.ts';
import { CNN_TRAIN_FLOP, nnwasmCnn, tfjsCnnInference, tfjsCnnTraining } from './cnn.ts';
import { batchNormCost } from './normCnn.ts';
import { LSTM_TRAIN_FLOP, LSTM_FORWARD_FLOP, lstmData, nnwasmLstm, tfjsLstm } from './lstm.ts';
import { peerMlp, tf, usePeer, type PeerName } from './peers.ts';
import { markdownTable, type Row } from './table.ts';
import { fill, gemmCase, rand } from './cases.ts';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(','); // e.g. --only=gemm,models
const outFile = process.argv.find((a) => a.startsWith('--out='))?.slice(6); // default bench/results/latest[-quick].json
const want = (suite: string) => !only || only.includes(suite);
const rows: Row[] = [];
const add = (suite: string, c: string, engine: string, metric: string, value: number, unit: string) => rows.push({ suite, case: c, engine, metric, value, unit });
const say = (s: string) => process.stderr.write(`${s}\n`);
const started = performance.now();

// ---- engines ---------------------------------------------------------------------------------------
const engines: Backend[] = [await createBackend('js', { seed: 0 }), await createBackend('wasm', { seed: 0, simd: 'baseline' })];
const relaxed = await createBackend('wasm', { seed: 0, simd: 'relaxed' }).catch(() => undefined);
if (relaxed) engines.push(relaxed);
const peers: PeerName[] = ['tfjs-cpu', 'tfjs-wasm'];

/** seconds per call: the median of the benchmark package's samples (a call over 0.1 s is its own one sample) */
function time(fn: () => void, minTime = quick ? 0.012 : 0.04): number {
  const t0 = performance.now();
  fn();
  const once = (performance.now() - t0) / 1e3;
  if (once > 0.1) return once;
  const bench = new Benchmark(fn, { minTime, maxTime: minTime * 6, minSamples: quick ? 3 : 5, initCount: 1 });
  bench.run();
  const s = [...bench.stats.sample].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** one engine's turn at a case: `setup` makes it current (the TF.js backend switch) */
interface Turn { engine: string; fn: () => void; setup?: () => Promise<void> }
const ROUNDS = quick ? 3 : 5;

/**
 * Times the engines of one case in turns, ROUNDS rounds over, so a neighbour's load that comes and
 * goes falls on every engine alike; returns each engine's seconds per call, round by round.
 */
async function inTurns(turns: Turn[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (let r = 0; r < ROUNDS; r++) {
    for (const t of turns) {
      await t.setup?.();
      out.set(t.engine, [...(out.get(t.engine) ?? []), time(t.fn)]);
    }
  }
  return out;
}

/**
 * The ceiling of each wasm build: the GEMM's 4×8 inner loop over L1-resident panels
 * (bench/assembly/ceiling.ts, built by `npm run bench`), timed in the same rounds as the GEMMs.
 */
const ceilings = new Map<string, { fn: () => void; flop: number }>();
for (const [variant, file] of [['wasm-simd', 'ceiling.wasm'], ['wasm-relaxed-simd', 'ceiling-relaxed.wasm']] as const) {
  if (!engines.some((e) => e.variant === variant)) continue;
  const { instance } = await WebAssembly.instantiate(readFileSync(new URL(`../build/${file}`, import.meta.url)), {
    env: { abort: () => { throw new Error(`${file} aborted`); } },
  });
  const x = instance.exports as unknown as { tiles(calls: number): void; FLOPS_PER_TILE: WebAssembly.Global };
  const calls = 2000;
  ceilings.set(variant, { fn: () => x.tiles(calls), flop: calls * (x.FLOPS_PER_TILE.value as number) });
}

const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];

// ---- 1. kernels: GEMM in three forms at square sizes and the model shapes --------------------------
type Shape = [name: string, m: number, k: number, n: number];
const squares: Shape[] = (quick ? [64, 256] : [64, 128, 256, 512, 1024]).map((s) => [`${s}³`, s, s, s]);
const modelShapes: Record<'NN' | 'TN' | 'NT', Shape[]> = {
  NN: [['ch15 X·W1 3000×2·2×512', 3000, 2, 512], ['ch15 H·W2 3000×512·512×3', 3000, 512, 3], ['MLP X·W1 128×784·784×128', 128, 784, 128]],
  TN: [['ch15 dW2 = Hᵀ·dY 512×3000·3000×3', 512, 3000, 3], ['ch15 dW1 = Xᵀ·dH 2×3000·3000×512', 2, 3000, 512], ['MLP dW1 = Xᵀ·dH 784×128·128×128', 784, 128, 128]],
  NT: [['ch15 dH = dY·W2ᵀ 3000×3·3×512', 3000, 3, 512], ['MLP dH = dY·W2ᵀ 128×10·10×128', 128, 10, 128]],
};
const tooSlow = (engine: string, flop: number) => (engine === 'js' || engine === 'tfjs-cpu') && flop > 2 * 256 ** 3;
const ceilingSeen = new Map<string, number[]>();
if (want('gemm')) {
  for (const form of ['NN', 'TN', 'NT'] as const) {
    for (const [name, m, k, n] of [...squares, ...(quick ? modelShapes[form].slice(0, 1) : modelShapes[form])]) {
      const flop = 2 * m * k * n, label = `gemm${form} ${name}`;
      const [ar, ac] = form === 'TN' ? [k, m] : [m, k];
      const [br, bc] = form === 'NT' ? [n, k] : [k, n];
      const turns: Turn[] = [], release: (() => void)[] = [];
      for (const b of engines) {
        if (tooSlow(b.variant, flop)) continue;
        const { fn, dispose } = gemmCase(b, form, m, k, n);
        turns.push({ engine: b.variant, fn });
        const ceiling = ceilings.get(b.variant);
        if (ceiling) turns.push({ engine: `ceiling ${b.variant}`, fn: ceiling.fn });
        release.push(dispose);
      }
      for (const p of peers) {
        if (tooSlow(p, flop)) continue;
        await usePeer(p);
        const A = tf.tensor2d(fill(new Float32Array(ar * ac)), [ar, ac]), B = tf.tensor2d(fill(new Float32Array(br * bc)), [br, bc]);
        const bias = tf.tensor1d(fill(new Float32Array(n)));
        // NN carries the bias, as nnwasm's gemmNN does (tf fuses it into the matMul kernel)
        const fn = form === 'NN' ? () => tf.fused.matMul({ a: A, b: B, bias }).dispose() : () => tf.matMul(A, B, form === 'TN', form === 'NT').dispose();
        turns.push({ engine: p, fn, setup: () => usePeer(p) });
        release.push(() => { for (const t of [A, B, bias]) t.dispose(); });
      }
      const seconds = await inTurns(turns);
      for (const [engine, s] of seconds) {
        if (engine.startsWith('ceiling ')) continue;
        add('kernels', label, engine, 'throughput', flop / median(s) / 1e9, 'GFLOP/s');
        const ceiling = ceilings.get(engine), ceilingSeconds = seconds.get(`ceiling ${engine}`);
        if (!ceiling || !ceilingSeconds) continue;
        const ceilingRate = ceilingSeconds.map((t) => ceiling.flop / t / 1e9);
        ceilingSeen.set(engine, [...(ceilingSeen.get(engine) ?? []), ...ceilingRate]);
        // the share of the ceiling, round by round: both were measured within a second of each other
        if (m === k && k === n && n >= 256) add('kernels', `${label} ÷ the 4×8 inner loop in the same round`, engine, 'efficiency', median(s.map((t, r) => (flop / t / 1e9) / ceilingRate[r])) * 100, '% of ceiling');
      }
      for (const r of release) r();
      say(`${label} done (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
  for (const [engine, rates] of ceilingSeen) add('kernels', 'ceiling: the 4×8 inner loop alone, K = 256, panels in L1 (every GEMM round)', engine, 'throughput', median(rates), 'GFLOP/s');
}

// ---- elementwise passes over the chapter-15 hidden activations (3000×512), GB/s ------------------
const N = 3000 * 512;
if (want('elementwise')) {
  const cases = new Map<string, { bytesPerElement: number; turns: Turn[] }>();
  const release: (() => void)[] = [];
  for (const b of engines) {
    const x = rand(b, 1, N), y = b.tensor(1, N), m = b.tensor(1, N), v = b.zeros(1, N), g = rand(b, 1, N), kr = b.kernels;
    const kernels: [string, () => void, number][] = [
      ['reluForward', () => kr.reluForward(x.ptr, y.ptr, N), 8],
      ['reluBackward', () => kr.reluBackward(x.ptr, g.ptr, y.ptr, N), 12],
      ['dropoutForward', () => kr.dropoutForward(x.ptr, m.ptr, y.ptr, N, 1, 2, 1677722, 1.1111111), 12],
      ['adamUpdate', () => kr.adamUpdate(y.ptr, g.ptr, m.ptr, v.ptr, N, 1e-3, 0.1, 0.001, 1e-7, 0.1, 0.001), 28],
    ];
    for (const [name, fn, bytesPerElement] of kernels) {
      const c = cases.get(name) ?? { bytesPerElement, turns: [] };
      c.turns.push({ engine: b.variant, fn });
      cases.set(name, c);
    }
    release.push(() => { for (const t of [x, y, m, v, g]) t.dispose(); });
  }
  for (const [name, { bytesPerElement, turns }] of cases) {
    for (const [engine, s] of await inTurns(turns)) add('kernels', `${name} 3000×512`, engine, 'bandwidth', (N * bytesPerElement) / median(s) / 1e9, 'GB/s');
  }
  for (const r of release) r();
  say(`elementwise done (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

// ---- fused chain kernels at the chapter-15 shape: one pass each way over the hidden layer ------
if (want('fused')) {
  const forward: Turn[] = [], backward: Turn[] = [], release: (() => void)[] = [];
  for (const b of engines) {
    const M = 3000, K = 2, H = 512, C = 3, kr = b.kernels;
    const x = rand(b, M, K), w1 = rand(b, K, H), b1 = rand(b, 1, H), h = b.tensor(M, H), w2 = rand(b, H, C), b2 = rand(b, 1, C), z = b.tensor(M, C);
    const dz = rand(b, M, C), dw1 = b.tensor(K, H), db1 = b.tensor(1, H), dw2 = b.tensor(H, C), sc = b.tensor(1, 12 * H);
    const scale = Math.fround(1 / 0.9);
    forward.push({ engine: b.variant, fn: () => kr.denseChainForward(x.ptr, w1.ptr, b1.ptr, h.ptr, w2.ptr, b2.ptr, z.ptr, M, K, H, C, 1, 2, 1677722, scale, sc.ptr) });
    backward.push({ engine: b.variant, fn: () => kr.denseChainBackward(x.ptr, h.ptr, w2.ptr, dz.ptr, dw1.ptr, db1.ptr, dw2.ptr, 0, M, K, H, C, scale, sc.ptr) });
    release.push(() => { for (const t of [x, w1, b1, h, w2, b2, z, dz, dw1, db1, dw2, sc]) t.dispose(); });
  }
  // the backward pass reads the hidden activations and mask scale the forward pass wrote
  for (const e of forward) e.fn();
  for (const [engine, s] of await inTurns(forward)) add('kernels', 'denseChainForward ch15 (Dense→ReLU→Dropout→Dense)', engine, 'time', 1e3 * median(s), 'ms');
  for (const [engine, s] of await inTurns(backward)) add('kernels', 'denseChainBackward ch15', engine, 'time', 1e3 * median(s), 'ms');
  for (const r of release) r();
  say(`fused done (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

// ---- 2. models ----------------------------------------------------------------------------------------
interface Run { msPerEpoch: number; accuracy: number; epochs: number }

/** nnwasm: the book's Model API, fused (the default) */
function nnwasmRun(b: Backend, X: Matrix, y: Int32Array, o: { hidden: number; nOut: number; rate: number; l2: number; lr: number; decay: number; batch?: number; warmup: number; epochs: number },
  test?: { X: Matrix; y: Int32Array }): Run {
  const reg = o.l2 ? { weightRegularizerL2: o.l2, biasRegularizerL2: o.l2 } : {};
  const model = new Model({ backend: b })
    .add(new LayerDense(X.cols, o.hidden, { ...reg, backend: b }))
    .add(new ActivationReLU({ backend: b }))
    .add(new LayerDropout(o.rate, { backend: b }))
    .add(new LayerDense(o.hidden, o.nOut, { backend: b }))
    .add(new ActivationSoftmax({ backend: b }))
    .compile({ loss: new LossCategoricalCrossentropy({ backend: b }), optimizer: new OptimizerAdam({ learningRate: o.lr, decay: o.decay, backend: b }) });
  const times: number[] = [];
  let t0 = performance.now();
  const h = model.fit(X, y, {
    epochs: o.warmup + o.epochs, batchSize: o.batch, shuffle: o.batch !== undefined,
    onEpochEnd: () => { const t = performance.now(); times.push(t - t0); t0 = t; },
  });
  const accuracy = test ? model.evaluate(test.X, test.y).accuracy : h.epochs.at(-1)!.accuracy;
  model.dispose();
  return { msPerEpoch: median(times.slice(o.warmup)), accuracy, epochs: o.warmup + o.epochs };
}

async function peerRun(p: PeerName, X: Matrix, y: Int32Array, o: { hidden: number; nOut: number; rate: number; l2: number; lr: number; decay: number; batch?: number; warmup: number; epochs: number },
  test?: { X: Matrix; y: Int32Array }): Promise<Run> {
  await usePeer(p);
  const net = peerMlp({ X, y, hidden: o.hidden, nOut: o.nOut, rate: o.rate, l2: o.l2, lr: o.lr, decay: o.decay, batch: o.batch ?? X.rows, shuffle: o.batch !== undefined, seed: 1 });
  const times: number[] = [];
  let acc = 0;
  for (let e = 0; e < o.warmup + o.epochs; e++) {
    const t0 = performance.now();
    acc = net.epoch()[1];
    times.push(performance.now() - t0);
  }
  const accuracy = test ? net.accuracy(test.X, test.y) : acc;
  net.dispose();
  return { msPerEpoch: median(times.slice(o.warmup)), accuracy, epochs: o.warmup + o.epochs };
}

if (want('models')) {
  // chapter 15: spiral 1000 × 3, 2 → 512 → 3, L2 5e-4, dropout 0.1, Adam(0.05, decay 5e-5), full batch
  const spiral = spiralData(1000, 3, 0);
  const ch15 = { hidden: 512, nOut: 3, rate: 0.1, l2: 5e-4, lr: 0.05, decay: 5e-5 };
  const ch15Epochs: Record<string, [number, number]> = quick
    ? { js: [2, 5], 'wasm-simd': [20, 100], 'wasm-relaxed-simd': [20, 100], 'tfjs-cpu': [1, 3], 'tfjs-wasm': [3, 10] }
    : { js: [3, 20], 'wasm-simd': [30, 800], 'wasm-relaxed-simd': [30, 800], 'tfjs-cpu': [2, 8], 'tfjs-wasm': [5, 40] };
  const ch15Case = 'chapter 15 (spiral 3000×2→512→3, dropout 0.1, Adam, full batch)';
  const ch15Runs: [string, Run][] = [];
  for (const b of engines) ch15Runs.push([b.variant, nnwasmRun(b, spiral.X, spiral.y, { ...ch15, warmup: ch15Epochs[b.variant][0], epochs: ch15Epochs[b.variant][1] })]);
  for (const p of peers) ch15Runs.push([p, await peerRun(p, spiral.X, spiral.y, { ...ch15, warmup: ch15Epochs[p][0], epochs: ch15Epochs[p][1] })]);
  for (const [e, r] of ch15Runs) add('models', ch15Case, e, 'epoch', r.msPerEpoch, 'ms/epoch');
  for (const [e, r] of ch15Runs) add('models', `chapter 15 training accuracy after the run (${ch15Runs.map(([n, x]) => `${n} ${x.epochs}`).join(', ')} epochs)`, e, 'accuracy', r.accuracy, '');
  say(`chapter 15 done (${((performance.now() - started) / 1000).toFixed(0)} s)`);

  // MLP 784-128-10 on real MNIST digits: dropout 0.2, Adam(0.001), batch 128, shuffled
  const digits = loadMnist();
  const train = quick ? { X: new Matrix(digits.train.X.data.subarray(0, 2048 * 784), 2048, 784), y: digits.train.y.subarray(0, 2048) } : digits.train;
  const mlp = { hidden: 128, nOut: 10, rate: 0.2, l2: 0, lr: 0.001, decay: 0, batch: 128 };
  const mlpEpochs: Record<string, [number, number]> = quick
    ? { js: [0, 1], 'wasm-simd': [1, 3], 'wasm-relaxed-simd': [1, 3], 'tfjs-cpu': [0, 1], 'tfjs-wasm': [1, 1] }
    : { js: [1, 1], 'wasm-simd': [1, 12], 'wasm-relaxed-simd': [1, 12], 'tfjs-cpu': [1, 1], 'tfjs-wasm': [1, 3] };
  const mlpCase = `MLP 784-128-10 (MNIST ${train.X.rows} digits, dropout 0.2, Adam, batch 128)`;
  const mlpRuns: [string, Run][] = [];
  for (const b of engines) mlpRuns.push([b.variant, nnwasmRun(b, train.X, train.y, { ...mlp, warmup: mlpEpochs[b.variant][0], epochs: mlpEpochs[b.variant][1] }, digits.test)]);
  for (const p of peers) mlpRuns.push([p, await peerRun(p, train.X, train.y, { ...mlp, warmup: mlpEpochs[p][0], epochs: mlpEpochs[p][1] }, digits.test)]);
  for (const [e, r] of mlpRuns) add('models', mlpCase, e, 'throughput', (train.X.rows / r.msPerEpoch) * 1e3, 'samples/s');
  for (const [e, r] of mlpRuns) add('models', `MLP test accuracy on ${digits.test.X.rows} held-out digits (${mlpRuns.map(([n, x]) => `${n} ${x.epochs}`).join(', ')} epochs)`, e, 'accuracy', r.accuracy, '');
  say(`MLP done (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

// ---- 3. the seeds' MNIST CNN: training and inference at batch 128, its convolutions per layer -------
if (want('cnn')) {
  const digits = loadMnist(0.8, 7, true);
  const { X, y } = digits.train;
  // per layer: each convolution forward + backward, and conv2's forward beside a bare GEMM of its
  // shape (15488×288×64), timed in turns with the ceiling so the ratios are of the same moments
  const layerTurns: Turn[] = [], release: (() => void)[] = [];
  const convFlop = { conv1: 3 * 2 * 128 * 26 * 26 * 32 * 9, conv2: 3 * 2 * 128 * 11 * 11 * 64 * 288, conv2Forward: 2 * 128 * 11 * 11 * 64 * 288 };
  for (const b of engines.filter((e) => e.name === 'wasm')) {
    const conv1 = new LayerConv2D(32, 3, { activation: 'relu', backend: b }), conv2 = new LayerConv2D(64, 3, { activation: 'relu', backend: b });
    const x1 = rand(b, 128 * 28 * 28, 1).reshape(128, 28, 28, 1), x2 = rand(b, 128 * 13 * 13 * 32, 1).reshape(128, 13, 13, 32);
    conv1.forward(x1);
    conv2.forward(x2);
    const d1 = rand(b, conv1.output.size, 1).reshape(...conv1.output.shape), d2 = rand(b, conv2.output.size, 1).reshape(...conv2.output.shape);
    const [m, k, n] = [128 * 11 * 11, 288, 64], a = rand(b, m, k), w = rand(b, k, n), c = b.tensor(m, n);
    layerTurns.push(
      { engine: `conv1 ${b.variant}`, fn: () => (conv1.forward(x1), conv1.backward(d1)) },
      { engine: `conv2 ${b.variant}`, fn: () => (conv2.forward(x2), conv2.backward(d2)) },
      { engine: `conv2 forward ${b.variant}`, fn: () => conv2.forward(x2) },
      { engine: `gemm ${b.variant}`, fn: () => b.kernels.gemmNN(a.ptr, w.ptr, 0, c.ptr, m, k, n, 0) },
    );
    const ceiling = ceilings.get(b.variant);
    if (ceiling) layerTurns.push({ engine: `ceiling ${b.variant}`, fn: ceiling.fn });
    release.push(() => { for (const t of [conv1, conv2, x1, x2, d1, d2, a, w, c]) t.dispose(); });
  }
  const secs = await inTurns(layerTurns);
  for (const b of engines.filter((e) => e.name === 'wasm')) {
    const ceiling = ceilings.get(b.variant), ceil = secs.get(`ceiling ${b.variant}`);
    const rate = (what: string, flop: number) => secs.get(`${what} ${b.variant}`)!.map((t) => flop / t / 1e9);
    const ceilRates = ceiling && ceil ? ceil.map((t) => ceiling.flop / t / 1e9) : undefined;
    // the whole CNN's ratio below is to the run's ceiling: these rounds count too (and alone with --only=cnn)
    if (ceilRates) ceilingSeen.set(b.variant, [...(ceilingSeen.get(b.variant) ?? []), ...ceilRates]);
    for (const [what, label, flop] of [['conv1', 'conv1 32×3×3 on 28×28×1, forward + backward', convFlop.conv1], ['conv2', 'conv2 64×3×3 on 13×13×32, forward + backward', convFlop.conv2]] as const) {
      const r = rate(what, flop);
      add('cnn', `${label}, batch 128`, b.variant, 'throughput', median(r), 'GFLOP/s');
      if (ceilRates) add('cnn', `${label} ÷ the 4×8 inner loop in the same round`, b.variant, 'efficiency', median(r.map((v, i) => v / ceilRates[i])) * 100, '% of ceiling');
    }
    const fwd = rate('conv2 forward', convFlop.conv2Forward), gemm = rate('gemm', convFlop.conv2Forward);
    add('cnn', 'conv2 forward (GEMM packed from the image + ReLU) ÷ a bare packed GEMM of its shape 15488×288×64, same round', b.variant, 'efficiency', median(fwd.map((v, i) => v / gemm[i])) * 100, '% of GEMM');
    if (ceilRates) add('cnn', 'ceiling: the 4×8 inner loop alone (CNN rounds)', b.variant, 'throughput', median(ceilRates), 'GFLOP/s');
  }
  for (const r of release) r();
  say(`CNN layers done (${((performance.now() - started) / 1000).toFixed(0)} s)`);

  // whole network: nnwasm on every engine, TF.js wasm inference (it cannot train a CNN: no
  // Conv2DBackpropFilter kernel, tfjs #8474) and TF.js cpu training on a few batches
  const batches = (e: string) => (e === 'js' ? (quick ? 1 : 2) : quick ? 4 : 40);
  const cnnCase = `the seeds' MNIST CNN, batch 128 (${CNN_TRAIN_FLOP / 1e6} MFLOP per training sample)`;
  const ceilingOf = (variant: string) => {
    const seen = ceilingSeen.get(variant) ?? [];
    return seen.length ? median(seen) : undefined;
  };
  for (const b of engines) {
    const r = nnwasmCnn(b, X, y, batches(b.variant));
    add('cnn', `${cnnCase}: training`, b.variant, 'throughput', r.train, 'samples/s');
    add('cnn', `${cnnCase}: inference`, b.variant, 'throughput', r.infer, 'samples/s');
    const ceil = ceilingOf(b.variant);
    if (ceil) add('cnn', `${cnnCase}: training, effective GFLOP/s ÷ the 4×8 inner loop's (this run's median)`, b.variant, 'efficiency', ((r.train * CNN_TRAIN_FLOP) / 1e9 / ceil) * 100, '% of ceiling');
  }
  await usePeer('tfjs-wasm');
  add('cnn', `${cnnCase}: inference`, 'tfjs-wasm', 'throughput', tfjsCnnInference(X, quick ? 2 : 10), 'samples/s');
  await usePeer('tfjs-cpu');
  add('cnn', `${cnnCase}: inference`, 'tfjs-cpu', 'throughput', tfjsCnnInference(X, 1), 'samples/s');
  const tfSamples = quick ? 8 : 256;
  add('cnn', `${cnnCase}: training (TF.js cpu on ${tfSamples} samples)`, 'tfjs-cpu', 'throughput', await tfjsCnnTraining(X, y, tfSamples), 'samples/s');
  say(`CNN done (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

// ---- 4. what batch normalization costs the CNN (training) and, folded, at inference -----------------
if (want('norm')) {
  const { X, y } = loadMnist(0.8, 7, true).train;
  const normCase = "the seeds' MNIST CNN with BatchNormalization after each convolution ÷ without, same round";
  for (const b of engines.filter((e) => e.name === 'wasm')) {
    const r = batchNormCost(b, X, y, quick ? 2 : 6, quick ? 1 : 15); // short rounds, many: the ratio of neighbours, not of minutes apart
    add('norm', `${normCase}: training`, b.variant, 'efficiency', median(r.train[1].map((v, i) => v / r.train[0][i])) * 100, '% of samples/s');
    add('norm', `${normCase}: inference (folded)`, b.variant, 'efficiency', median(r.infer[1].map((v, i) => v / r.infer[0][i])) * 100, '% of samples/s');
    add('norm', "the seeds' MNIST CNN with BatchNormalization after each convolution: training", b.variant, 'throughput', median(r.train[1]), 'samples/s');
    add('norm', "the seeds' MNIST CNN with BatchNormalization after each convolution: inference", b.variant, 'throughput', median(r.infer[1]), 'samples/s');
  }
  say(`batch norm done (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

// ---- 5. the sequences issue's LSTM: training and inference, nnwasm beside TF.js wasm and cpu ------------
if (want('lstm')) {
  const lstmCase = `LSTM(64, dropout 0.2, recurrentDropout 0.2) → Dense(3), 50 steps × 1 feature, batch 64 (${(LSTM_TRAIN_FLOP / 1e6).toFixed(2)} MFLOP per training sample)`;
  const batches = (e: string) => (e === 'js' ? 1 : quick ? 2 : 20);
  const { X, y } = lstmData(quick ? 2 : 20);
  const head = (n: number) => ({ X: new Matrix(X.data.subarray(0, n * 64 * 50), [n * 64, 50, 1]), y: y.subarray(0, n * 64) });
  const measured = new Map<string, { train: number; infer: number }>();
  for (const b of engines) {
    const d = head(batches(b.variant));
    measured.set(b.variant, await nnwasmLstm(b, d.X, d.y));
  }
  await usePeer('tfjs-wasm');
  measured.set('tfjs-wasm', await tfjsLstm(X, y, (quick ? 1 : 10) * 64, quick ? 1 : 10));
  await usePeer('tfjs-cpu');
  measured.set('tfjs-cpu', await tfjsLstm(X, y, 64, quick ? 1 : 2));
  for (const [engine, r] of measured) {
    add('lstm', `${lstmCase}: training`, engine, 'throughput', r.train, 'samples/s');
    add('lstm', `${lstmCase}: inference`, engine, 'throughput', r.infer, 'samples/s');
  }
  const tfw = measured.get('tfjs-wasm')!;
  for (const b of engines.filter((e) => e.name === 'wasm')) {
    const r = measured.get(b.variant)!;
    add('lstm', `${lstmCase}: training ÷ TF.js wasm's, same run`, b.variant, 'speedup', r.train / tfw.train, '×');
    add('lstm', `${lstmCase}: inference ÷ TF.js wasm's, same run`, b.variant, 'speedup', r.infer / tfw.infer, '×');
    const ceiling = ceilings.get(b.variant);
    if (ceiling) {
      const ceil = median([0, 1, 2].map(() => ceiling.flop / time(ceiling.fn) / 1e9));
      add('lstm', `${lstmCase}: training, effective GFLOP/s ÷ the 4×8 inner loop's (this run)`, b.variant, 'efficiency', ((r.train * LSTM_TRAIN_FLOP) / 1e9 / ceil) * 100, '% of ceiling');
      add('lstm', `${lstmCase}: inference, effective GFLOP/s ÷ the 4×8 inner loop's (this run)`, b.variant, 'efficiency', ((r.infer * LSTM_FORWARD_FLOP) / 1e9 / ceil) * 100, '% of ceiling');
    }
  }
  say(`LSTM done (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

// ---- memory: a training step allocates nothing (full run only) -----------------------------------
if (want('memory') && !quick) {
  const gc = (globalThis as { gc?: () => void }).gc;
  const b = engines[1];
  const spiral = spiralData(1000, 3, 0);
  const model = new Model({ backend: b })
    .add(new LayerDense(2, 512, { weightRegularizerL2: 5e-4, biasRegularizerL2: 5e-4, backend: b }))
    .add(new ActivationReLU({ backend: b })).add(new LayerDropout(0.1, { backend: b }))
    .add(new LayerDense(512, 3, { backend: b })).add(new ActivationSoftmax({ backend: b }))
    .compile({ loss: new LossCategoricalCrossentropy({ backend: b }), optimizer: new OptimizerAdam({ learningRate: 0.05, decay: 5e-5, backend: b }) });
  const snap = () => { gc?.(); return [b.buffer.byteLength / 65536, process.memoryUsage().heapUsed / 2 ** 20]; };
  let at100: number[] = [];
  model.fit(spiral.X, spiral.y, { epochs: 10_000, onEpochEnd: (l) => { if (l.epoch === 100) at100 = snap(); } });
  const end = snap();
  const label = `memory over chapter-15 epochs 100 → 10,000 (${b.variant}${gc ? '' : ', no --expose-gc'})`;
  add('memory', `${label}: wasm memory pages`, b.variant, 'pages', end[0] - at100[0], 'Δ pages');
  add('memory', `${label}: JS heap used`, b.variant, 'heap', end[1] - at100[1], 'Δ MB');
  model.dispose();
  say(`memory done (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

// ---- report -------------------------------------------------------------------------------------------
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`nnwasm bench ${quick ? '(quick) ' : ''}— ${new Date().toISOString().slice(0, 10)}, ${cpu}, ${os.cpus().length} cores, Node ${process.version}, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
console.log(markdownTable(rows));
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(outFile ?? new URL(`./results/${quick ? 'latest-quick' : 'latest'}.json`, import.meta.url), JSON.stringify(rows, null, 1));
