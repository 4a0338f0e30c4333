/**
 * The MNIST CNN's kernel calls one batch (128) at a time, on one or more builds, in interleaved
 * rounds (each round times every case on every build, the builds' order alternating, and the
 * 4×8 micro-kernel alone), so that a change to a kernel can be read against its build before:
 *
 *   npx tsx bench/cnn-kernels.ts [--wasm=DIR_A --wasm=DIR_B …] [--rounds=9] [--only=conv2,pool]
 *
 * A DIR holds nnwasm.wasm and nnwasm-relaxed.wasm (e.g. a copy of build/ before a change); without
 * --wasm, build/. Prints per case the median ms per call of each build and, for two builds or more,
 * the median per-round ratio against the first, and whether the outputs are bit-identical to it.
 * A case a build cannot run (a kernel it lacks) is left out for that build.
 */
import { readFileSync } from 'node:fs';
import { createBackend, type Backend, type Kernels, type Tensor } from '../src/index.ts';
import { fill } from './cases.ts';

const dirs = process.argv.filter((a) => a.startsWith('--wasm=')).map((a) => a.slice(7));
const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 9);
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const simd = process.argv.includes('--relaxed') ? 'relaxed' : 'baseline';

const builds: { name: string; b: Backend }[] = [];
for (const dir of dirs.length ? dirs : ['build']) {
  const b = await createBackend('wasm', { seed: 0, simd, wasm: { baseline: readFileSync(`${dir}/nnwasm.wasm`), relaxed: readFileSync(`${dir}/nnwasm-relaxed.wasm`) } });
  builds.push({ name: dir, b });
}

/** a case on one backend: its call, and the tensor it writes (compared across builds) */
type Setup = (b: Backend, k: Kernels & Record<string, unknown>, t: (...shape: number[]) => Tensor) => { fn: () => void; out: Tensor } | undefined;
const N = 128;
// conv1: 28×28×1 → 26×26×32, pool → 13×13×32; conv2: → 11×11×64, pool → 5×5×64
const g1 = [N, 28, 28, 1, 3, 3, 1, 1, 1, 1, 0, 0, 26, 26] as const, m1 = N * 26 * 26;
const g2 = [N, 13, 13, 32, 3, 3, 1, 1, 1, 1, 0, 0, 11, 11] as const, m2 = N * 11 * 11;
const cases: [string, string, Setup][] = [
  ['conv1', 'im2col 28×28×1', (_, k, t) => { const x = t(N, 28, 28, 1), c = t(m1, 9); return { fn: () => k.im2col(x.ptr, c.ptr, ...g1), out: c }; }],
  ['conv1', 'gemmNN+relu 86528×9×32', (_, k, t) => { const a = t(m1, 9), w = t(9, 32), bias = t(32), y = t(m1, 32); return { fn: () => k.denseReluForward(a.ptr, w.ptr, bias.ptr, y.ptr, m1, 9, 32, 0, 0, 0, 1), out: y }; }],
  ['conv1', 'gemmTN 9×86528×32', (_, k, t) => { const a = t(m1, 9), dz = t(m1, 32), dk = t(9, 32); return { fn: () => k.gemmTN(a.ptr, dz.ptr, dk.ptr, 9, m1, 32, 0), out: dk }; }],
  ['conv1', 'conv2dForward relu', (_, k, t) => {
    if (!k.conv2dForward) return undefined;
    const x = t(N, 28, 28, 1), w = t(9, 32), bias = t(32), y = t(m1, 32);
    return { fn: () => (k.conv2dForward as (...a: number[]) => void)(x.ptr, w.ptr, bias.ptr, y.ptr, ...g1, 32, 1), out: y };
  }],
  ['conv1', 'conv2dBackwardKernel', (_, k, t) => {
    if (!k.conv2dBackwardKernel) return undefined;
    const x = t(N, 28, 28, 1), dz = t(m1, 32), dk = t(9, 32);
    return { fn: () => (k.conv2dBackwardKernel as (...a: number[]) => void)(x.ptr, dz.ptr, dk.ptr, ...g1, 32), out: dk };
  }],
  ['pool', 'maxPoolForward 26×26×32', (_, k, t) => { const x = t(N, 26, 26, 32), y = t(N, 13, 13, 32), am = t(N, 13, 13, 32); return { fn: () => k.maxPoolForward(x.ptr, y.ptr, am.ptr, N, 26, 26, 32, 2, 2, 2, 2, 0, 0, 13, 13), out: y }; }],
  ['pool', 'maxPoolBackward 26×26×32', (b, k, t) => {
    const x = t(N, 26, 26, 32), y = t(N, 13, 13, 32), am = t(N, 13, 13, 32), dy = t(N, 13, 13, 32), dx = t(N, 26, 26, 32);
    k.maxPoolForward(x.ptr, y.ptr, am.ptr, N, 26, 26, 32, 2, 2, 2, 2, 0, 0, 13, 13);
    // the kernel before it took the window (outputs, inputs) and after
    const call = k.maxPoolBackward as unknown as (...a: number[]) => void;
    const fn = call.length === 5 ? () => call(dy.ptr, am.ptr, dx.ptr, dy.size, dx.size) : () => call(dy.ptr, am.ptr, dx.ptr, N, 26, 26, 32, 2, 2, 2, 2, 0, 0, 13, 13);
    return { fn, out: dx };
  }],
  ['pool', 'maxPoolForward 11×11×64', (_, k, t) => { const x = t(N, 11, 11, 64), y = t(N, 5, 5, 64), am = t(N, 5, 5, 64); return { fn: () => k.maxPoolForward(x.ptr, y.ptr, am.ptr, N, 11, 11, 64, 2, 2, 2, 2, 0, 0, 5, 5), out: y }; }],
  ['gate', 'reluDropoutGate 86528×32', (_, k, t) => { const y = t(m1, 32), dy = t(m1, 32), dz = t(m1, 32), db = t(32); return { fn: () => k.reluDropoutGate(y.ptr, dy.ptr, dz.ptr, db.ptr, m1, 32, 1), out: dz }; }],
  ['conv2', 'im2col 13×13×32', (_, k, t) => { const x = t(N, 13, 13, 32), c = t(m2, 288); return { fn: () => k.im2col(x.ptr, c.ptr, ...g2), out: c }; }],
  ['conv2', 'gemmNN+relu 15488×288×64', (_, k, t) => { const a = t(m2, 288), w = t(288, 64), bias = t(64), y = t(m2, 64); return { fn: () => k.denseReluForward(a.ptr, w.ptr, bias.ptr, y.ptr, m2, 288, 64, 0, 0, 0, 1), out: y }; }],
  ['conv2', 'gemmTN 288×15488×64', (_, k, t) => { const a = t(m2, 288), dz = t(m2, 64), dk = t(288, 64); return { fn: () => k.gemmTN(a.ptr, dz.ptr, dk.ptr, 288, m2, 64, 0), out: dk }; }],
  ['conv2', 'gemmNT 15488×64×288', (_, k, t) => { const dz = t(m2, 64), w = t(288, 64), c = t(m2, 288); return { fn: () => k.gemmNT(dz.ptr, w.ptr, c.ptr, m2, 64, 288, 0), out: c }; }],
  ['conv2', 'col2im 13×13×32', (_, k, t) => { const c = t(m2, 288), dx = t(N, 13, 13, 32); return { fn: () => k.col2im(c.ptr, dx.ptr, ...g2), out: dx }; }],
  ['conv2', 'conv2dForward relu', (_, k, t) => {
    if (!k.conv2dForward) return undefined;
    const x = t(N, 13, 13, 32), w = t(288, 64), bias = t(64), y = t(m2, 64);
    return { fn: () => (k.conv2dForward as (...a: number[]) => void)(x.ptr, w.ptr, bias.ptr, y.ptr, ...g2, 64, 1), out: y };
  }],
  ['conv2', 'conv2dBackwardKernel', (_, k, t) => {
    if (!k.conv2dBackwardKernel) return undefined;
    const x = t(N, 13, 13, 32), dz = t(m2, 64), dk = t(288, 64);
    return { fn: () => (k.conv2dBackwardKernel as (...a: number[]) => void)(x.ptr, dz.ptr, dk.ptr, ...g2, 64), out: dk };
  }],
  ['conv2', 'conv2dBackwardInput', (_, k, t) => {
    if (!k.conv2dBackwardInput) return undefined;
    const dz = t(m2, 64), w = t(288, 64), dx = t(N, 13, 13, 32);
    return { fn: () => (k.conv2dBackwardInput as (...a: number[]) => void)(dz.ptr, w.ptr, dx.ptr, ...g2, 64), out: dx };
  }],
  ['dense', 'gemmNN+relu 128×1600×128', (_, k, t) => { const a = t(N, 1600), w = t(1600, 128), bias = t(128), y = t(N, 128); return { fn: () => k.denseReluForward(a.ptr, w.ptr, bias.ptr, y.ptr, N, 1600, 128, 0, 0, 0, 1), out: y }; }],
];

/** deterministic values in [-0.5, 0.5] (fill), then every fourth one zeroed, as ReLU leaves some */
const tensorMaker = (b: Backend, owned: Tensor[]) => (...shape: number[]) => {
  const t = shape.length === 1 ? b.tensor(1, shape[0]) : b.tensor(shape[0], ...shape.slice(1));
  fill(t.data);
  owned.push(t);
  return t;
};

const ceilingWasm = await WebAssembly.instantiate(readFileSync(new URL(`../build/${simd === 'relaxed' ? 'ceiling-relaxed' : 'ceiling'}.wasm`, import.meta.url)), { env: { abort: () => { throw new Error('ceiling aborted'); } } });
const cx = ceilingWasm.instance.exports as unknown as { tiles(calls: number): void; FLOPS_PER_TILE: WebAssembly.Global };
const ceilingRun = () => {
  const t = performance.now();
  for (let i = 0; i < 40; i++) cx.tiles(2000);
  return (40 * 2000 * (cx.FLOPS_PER_TILE.value as number)) / (performance.now() - t) / 1e6;
};

const median = (v: number[]) => [...v].sort((p, q) => p - q)[v.length >> 1];
const ceilings: number[] = [];
for (const [group, name, setup] of cases) {
  if (only && !only.includes(group)) continue;
  const owned: Tensor[] = [];
  const runs = builds.map(({ name: build, b }) => ({ build, s: setup(b, b.kernels as Kernels & Record<string, unknown>, tensorMaker(b, owned)) }));
  const live = runs.filter((r) => r.s);
  if (!live.length) continue;
  // calls per turn: ~60 ms of the first build
  const first = live[0].s!;
  for (let i = 0; i < 3; i++) first.fn();
  let t = performance.now();
  first.fn();
  const reps = Math.max(1, Math.round(60 / Math.max(0.01, performance.now() - t)));
  for (const r of live) for (let i = 0; i < 2; i++) r.s!.fn();
  const ms = live.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    ceilings.push(ceilingRun());
    const order = r % 2 ? [...live.keys()].reverse() : [...live.keys()];
    for (const i of order) {
      t = performance.now();
      for (let j = 0; j < reps; j++) live[i].s!.fn();
      ms[i].push((performance.now() - t) / reps);
    }
  }
  const ref = live[0].s!.out.toFloat32Array();
  const cells = live.map((r, i) => {
    const same = i === 0 || r.s!.out.toFloat32Array().every((v, j) => Object.is(v, ref[j]));
    const ratio = i === 0 ? '' : ` (×${median(ms[i].map((v, j) => v / ms[0][j])).toFixed(3)}${same ? ', same bits' : ', BITS DIFFER'})`;
    return `${median(ms[i]).toFixed(3)} ms (min ${Math.min(...ms[i]).toFixed(3)})${ratio}`;
  });
  console.log(`${group.padEnd(6)} ${name.padEnd(28)} ${cells.join(' | ')}${live.length < runs.length ? `  [only ${live.map((r) => r.build).join(', ')}]` : ''}`);
  for (const tt of owned) tt.dispose();
}
console.log(`ceiling (4×8 micro-kernel, every round): median ${median(ceilings).toFixed(1)} GFLOP/s, range ${Math.min(...ceilings).toFixed(1)}–${Math.max(...ceilings).toFixed(1)}`);
