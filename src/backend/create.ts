import { instantiate } from '@assemblyscript/loader';
import { Backend, type BackendName } from './backend.ts';
import type { Kernels } from './kernels.ts';
import { createJsKernels, type Heap } from './js/index.ts';
import { NnwasmError } from '../errors.ts';

export interface BackendOptions {
  /** fixes weight init, dropout masks and shuffling (default 0) */
  seed?: number;
  /**
   * wasm only: 'auto' (default) uses the relaxed-SIMD (FMA) build where the runtime validates it
   * and the baseline SIMD build otherwise; 'baseline' forces the deterministic build (bit-identical
   * across machines and between Node and browsers); 'relaxed' requires FMA.
   */
  simd?: 'auto' | 'baseline' | 'relaxed';
  /** wasm only: the bytes of a build, or where to fetch them, instead of build/nnwasm*.wasm */
  wasm?: { baseline?: BufferSource | URL | string; relaxed?: BufferSource | URL | string };
}

const PAGE = 65536;
const buildUrl = (file: string) => new URL(`../../build/${file}`, import.meta.url);

async function loadBytes(src: BufferSource | URL | string): Promise<BufferSource> {
  if (typeof src !== 'string' && !(src instanceof URL)) return src;
  const url = src instanceof URL ? src : new URL(src, import.meta.url);
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return readFile(url);
  }
  const res = await fetch(url);
  if (!res.ok) throw new NnwasmError(`createBackend: fetching ${url} failed with HTTP ${res.status}`);
  return res.arrayBuffer();
}

async function createWasm(seed: number, opts: BackendOptions): Promise<Backend> {
  const mode = opts.simd ?? 'auto';
  let variant = 'wasm-simd';
  let bytes: BufferSource | undefined;
  if (mode !== 'baseline') {
    const relaxed = await loadBytes(opts.wasm?.relaxed ?? buildUrl('nnwasm-relaxed.wasm')).catch(() => undefined);
    if (relaxed && WebAssembly.validate(relaxed)) (bytes = relaxed), (variant = 'wasm-relaxed-simd');
    else if (mode === 'relaxed')
      throw new NnwasmError('createBackend: this runtime does not support relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd); use simd: "auto" or "baseline"');
  }
  if (!bytes) {
    bytes = await loadBytes(opts.wasm?.baseline ?? buildUrl('nnwasm.wasm'));
    if (!WebAssembly.validate(bytes))
      throw new NnwasmError('createBackend: this runtime cannot run WebAssembly SIMD; use createBackend("js")');
  }
  // The loader supplies `env.abort`, turning an AssemblyScript assert into a readable Error;
  // the hot path then calls the raw exports with pointers and needs no glue.
  const { instance } = await instantiate(bytes, {});
  const ex = instance.exports as unknown as Kernels & { memory: WebAssembly.Memory; heapBase(): number };
  const memory = ex.memory;
  return new Backend(
    'wasm',
    variant,
    ex,
    {
      buffer: () => memory.buffer,
      byteLength: () => memory.buffer.byteLength,
      growTo: (bytes) => {
        const want = Math.ceil(bytes / PAGE) - memory.buffer.byteLength / PAGE;
        // grow geometrically so a model that grows batch by batch re-derives views rarely
        memory.grow(Math.max(want, memory.buffer.byteLength / PAGE / 2) | 0);
      },
    },
    ex.heapBase(),
    seed,
  );
}

function createJs(seed: number): Backend {
  let buffer = new ArrayBuffer(16 * PAGE);
  const heap: Heap = { f32: new Float32Array(buffer), i32: new Int32Array(buffer) };
  return new Backend(
    'js',
    'js',
    createJsKernels(heap),
    {
      buffer: () => buffer,
      byteLength: () => buffer.byteLength,
      growTo: (bytes) => {
        const next = new ArrayBuffer(Math.ceil(Math.max(bytes, buffer.byteLength * 1.5) / PAGE) * PAGE);
        new Uint8Array(next).set(new Uint8Array(buffer));
        buffer = next;
        heap.f32 = new Float32Array(buffer);
        heap.i32 = new Int32Array(buffer);
      },
    },
    16, // the js heap has no static data; keep ptr 0 free as "null"
    seed,
  );
}

/** Create a backend: 'wasm' (SIMD WebAssembly, the default) or 'js' (the plain-TS twin). */
export async function createBackend(name: BackendName = 'wasm', opts: BackendOptions = {}): Promise<Backend> {
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed)) throw new NnwasmError(`createBackend: seed must be an integer, got ${seed}`);
  if (name === 'wasm') return createWasm(seed >>> 0, opts);
  if (name === 'js') return createJs(seed >>> 0);
  throw new NnwasmError(`createBackend: unknown backend "${name as string}"; expected "wasm" or "js"`);
}

let current: Backend | undefined;

/** Make `backend` the one that layers, losses and optimizers use when not given one explicitly. */
export function setBackend(backend: Backend): Backend {
  return (current = backend);
}

/** Create a backend and make it the default (like `await tf.setBackend('wasm')`). */
export async function useBackend(name: BackendName = 'wasm', opts: BackendOptions = {}): Promise<Backend> {
  return setBackend(await createBackend(name, opts));
}

export function getBackend(): Backend {
  if (!current) throw new NnwasmError('no backend: call `await useBackend("wasm" | "js", { seed })` first, or pass { backend } to the constructor');
  return current;
}
