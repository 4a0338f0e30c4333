/**
 * Where the wasm backend's bytes come from (src/backend/create.ts): the embedded builds by
 * default, the caller's bytes, or files fetched from `wasmUrl`; and what a failure says.
 * (The same paths in Chromium and through the packed package: test/browser/package.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBackend, NnwasmError } from '../src/index.ts';
import { thrown } from './helpers.ts';
import { baselineWasm, relaxedWasm } from '../src/backend/wasmBytes.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const buildDir = pathToFileURL(`${root}build/`);
const relaxedValidates = WebAssembly.validate(readFileSync(`${root}build/nnwasm-relaxed.wasm`));

describe('the embedded builds', () => {
  it('are the bytes of build/*.wasm (npm run asbuild regenerates them)', () => {
    expect(baselineWasm).toBe(readFileSync(`${root}build/nnwasm.wasm`).toString('base64'));
    expect(relaxedWasm).toBe(readFileSync(`${root}build/nnwasm-relaxed.wasm`).toString('base64'));
  });

  it("are used by default: baseline SIMD where relaxed SIMD does not validate, as in Node 20", async () => {
    const backend = await createBackend('wasm');
    expect(backend.variant).toBe(relaxedValidates ? 'wasm-relaxed-simd' : 'wasm-simd');
    expect((await createBackend('wasm', { simd: 'baseline' })).variant).toBe('wasm-simd');
  });

  it("simd: 'relaxed' fails with a reason where relaxed SIMD does not validate", async () => {
    const created = createBackend('wasm', { simd: 'relaxed' });
    if (relaxedValidates) expect((await created).variant).toBe('wasm-relaxed-simd');
    else await expect(created).rejects.toThrow(/does not support relaxed SIMD/);
  });
});

describe('other sources', () => {
  it('takes the caller’s bytes', async () => {
    const backend = await createBackend('wasm', { simd: 'baseline', wasm: { baseline: readFileSync(`${root}build/nnwasm.wasm`) } });
    expect(backend.variant).toBe('wasm-simd');
  });

  it('reads a file: wasmUrl in Node, with or without the trailing slash', async () => {
    for (const wasmUrl of [buildDir, buildDir.href.slice(0, -1)])
      expect((await createBackend('wasm', { simd: 'baseline', wasmUrl })).variant).toBe('wasm-simd');
  });

  it("under 'auto', a folder without the relaxed build falls back to the baseline one", async () => {
    const dir = `${root}test/.tmp/baseline-only-${process.pid}/`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}nnwasm.wasm`, readFileSync(`${root}build/nnwasm.wasm`));
    expect((await createBackend('wasm', { wasmUrl: pathToFileURL(dir) })).variant).toBe('wasm-simd');
    const relaxed = createBackend('wasm', { simd: 'relaxed', wasmUrl: pathToFileURL(dir) });
    await expect(relaxed).rejects.toBeInstanceOf(NnwasmError);
    await expect(relaxed).rejects.toThrow(/nnwasm-relaxed\.wasm/);
  });

  it('refuses a relative wasmUrl where there is no page to resolve it against', async () => {
    const created = createBackend('wasm', { wasmUrl: './wasm/' });
    await expect(created).rejects.toBeInstanceOf(NnwasmError);
    await expect(created).rejects.toThrow(/relative/);
  });
});

it('turns an AssemblyScript abort into an NnwasmError with its message and place', async () => {
  const backend = await createBackend('wasm', { simd: 'baseline' });
  // denseChainForward asserts its shape range before touching memory
  const e = thrown(() => backend.kernels.denseChainForward(0, 0, 0, 0, 0, 0, 0, 1, 5, 8, 3, 0, 0, 0, 1, 0));
  expect(e).toBeInstanceOf(NnwasmError);
  expect((e as Error).message).toMatch(/^nnwasm kernel aborted: denseChainForward: shapes out of range \(assembly\/fused\.ts:\d+:\d+\)$/);
});

it('refuses a WebAssembly module that is not an nnwasm build, naming what it lacks', async () => {
  const dir = `${root}test/.tmp/foreign-${process.pid}/`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}foreign.ts`, 'export function heapBase(): i32 {\n  return 0;\n}\n');
  // from its own folder: in the repository's root asc would apply asconfig.json (and write build/nnwasm.wat)
  execFileSync(process.execPath, [`${root}node_modules/assemblyscript/bin/asc.js`, `${dir}foreign.ts`, '--runtime', 'stub', '--outFile', `${dir}foreign.wasm`], { cwd: dir });
  const created = createBackend('wasm', { simd: 'baseline', wasm: { baseline: readFileSync(`${dir}foreign.wasm`) } });
  await expect(created).rejects.toBeInstanceOf(NnwasmError);
  await expect(created).rejects.toThrow(/not an nnwasm build of this version \(missing .*gemmNN/);
  for (const baseline of [Uint8Array.of(0, 97, 115, 109, 1, 0, 0), 'abc', 42]) {
    const bad = createBackend('wasm', { simd: 'baseline', wasm: { baseline: baseline as never } });
    await expect(bad).rejects.toBeInstanceOf(NnwasmError);
  }
});
