/**
 * The wasm builds against the kernel contract (src/backend/kernels.ts): every kernel of the
 * plain-TS twins (createJsKernels, which TypeScript holds to Kernels exactly) is a function export
 * of each build taking as many parameters, and a build exports nothing else but WASM_ONLY_EXPORTS.
 * A kernel added, renamed or re-parameterized on one side only fails here, by name; the layers
 * would otherwise find out at their first call (or never, for a parameter the wasm side ignores).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createJsKernels } from '../src/backend/js/index.ts';

/** a build's exports: a function's parameter count (Function.prototype.length), else the object's class */
type Exports = Record<string, number | string>;

/** what a build exports beside the kernels: the same description as Exports gives */
const WASM_ONLY_EXPORTS: Exports = {
  heapBase: 0, // where static data ends: the backend's arena starts above it
  memory: 'Memory', // the linear memory every Ptr addresses
};

const describeExports = (exports: object): Exports =>
  Object.fromEntries(Object.entries(exports).map(([name, v]) => [name, typeof v === 'function' ? v.length : (v as object).constructor.name]));

/** the contract at run time: createJsKernels compiles only when its kernels are exactly Kernels' */
const twins: Exports = describeExports(createJsKernels({ f32: new Float32Array(0), i32: new Int32Array(0) }));

/** the names on which a build and the contract disagree, one list per way of disagreeing */
function differences(wasm: Exports) {
  const expected: Exports = { ...twins, ...WASM_ONLY_EXPORTS };
  return {
    missingFromWasm: Object.keys(expected).filter((name) => !(name in wasm)),
    otherParameterCount: Object.keys(expected).filter((name) => name in wasm && wasm[name] !== expected[name])
      .map((name) => `${name}: contract ${expected[name]}, wasm ${wasm[name]}`),
    notInContract: Object.keys(wasm).filter((name) => !(name in expected)),
  };
}
const AGREE = { missingFromWasm: [], otherParameterCount: [], notInContract: [] };

const BUILDS = { baseline: 'nnwasm.wasm', relaxed: 'nnwasm-relaxed.wasm' } as const;

/**
 * A build's exports, from an instance of build/<file> (the bytes createBackend embeds; the
 * packaging test checks they are the same). Not through createBackend: its own check would stop
 * at the first missing kernel, before this test could list every difference. A build this
 * runtime does not validate (the relaxed one on Node 20) is instantiated in a child Node started
 * with --experimental-wasm-relaxed-simd.
 */
function buildExports(file: string): Exports {
  const path = fileURLToPath(new URL(`../build/${file}`, import.meta.url));
  const bytes = readFileSync(path);
  if (WebAssembly.validate(bytes)) return describeExports(new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { abort() {} } }).exports);
  // the same three steps in plain JS: module, instance, description
  const script = `
    const module = new WebAssembly.Module(require('node:fs').readFileSync(process.argv[1]));
    const { exports } = new WebAssembly.Instance(module, { env: { abort() {} } });
    console.log(JSON.stringify(Object.fromEntries(Object.entries(exports).map(([name, v]) => [name, typeof v === 'function' ? v.length : v.constructor.name]))));`;
  const out = execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', '-e', script, path], { encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(out) as Exports;
}

describe('wasm exports ≡ kernel contract', () => {
  for (const [simd, file] of Object.entries(BUILDS)) {
    it(`the ${simd} build exports exactly the twins' kernels, with their parameter counts, and ${Object.keys(WASM_ONLY_EXPORTS).join(', ')}`, () => {
      const diff = differences(buildExports(file));
      expect(diff, `build/${file} vs contract: ${JSON.stringify(diff)}`).toEqual(AGREE);
    });
  }

  it('names each kind of difference (the check is not vacuous)', () => {
    const doctored: Exports = { ...twins, ...WASM_ONLY_EXPORTS, gemmNN: 7, stray: 1 };
    delete doctored.colSums;
    expect(differences(doctored)).toEqual({
      missingFromWasm: ['colSums'],
      otherParameterCount: ['gemmNN: contract 8, wasm 7'],
      notInContract: ['stray'],
    });
  });
});
