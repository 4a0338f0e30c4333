import * as loader from '@assemblyscript/loader';
import { Backend, type BackendName } from './backend.ts';
import type { Kernels } from './kernels.ts';
import { createJsKernels, type Heap } from './js/index.ts';
import { NnwasmError, ValueError } from '../errors.ts';
import { describe } from '../describe.ts';

export interface BackendOptions {
  /** fixes weight init, dropout masks and shuffling (default 0) */
  seed?: number;
  /**
   * wasm only: 'auto' (default) uses the relaxed-SIMD (FMA) build where the runtime validates it
   * and the baseline SIMD build otherwise; 'baseline' forces the deterministic build (bit-identical
   * across machines and between Node and browsers); 'relaxed' requires FMA.
   */
  simd?: 'auto' | 'baseline' | 'relaxed';
  /**
   * wasm only: fetch the builds from this folder (it holds nnwasm.wasm and nnwasm-relaxed.wasm, as
   * the package's `nnwasm/wasm/` does) instead of using the bytes embedded in the package. A
   * relative URL resolves against the page (or worker) location; Node needs an absolute one, and
   * reads file: URLs from disk.
   */
  wasmUrl?: string | URL;
  /** wasm only: the bytes of the builds, instead of the embedded ones */
  wasm?: { baseline?: BufferSource; relaxed?: BufferSource };
  /**
   * Debugging: surround every block of memory with fence bytes (128 more bytes per tensor) that
   * `backend.arena.checkFences()` verifies, to catch a kernel writing past its tensor. Off by default.
   */
  fenceBlocks?: boolean;
}

type Build = 'baseline' | 'relaxed';
const PAGE = 65536;
/** what a wasm32 memory addresses: 65,536 pages */
const MAX_BYTES = 2 ** 32;
const FILE_OF: Record<Build, string> = { baseline: 'nnwasm.wasm', relaxed: 'nnwasm-relaxed.wasm' };

function resolveWasmUrl(folder: string | URL, build: Build): URL {
  const dir = String(folder).endsWith('/') ? String(folder) : `${folder}/`;
  try {
    return new URL(FILE_OF[build], new URL(dir, (globalThis as { location?: { href: string } }).location?.href));
  } catch {
    throw new NnwasmError(`createBackend: wasmUrl "${folder}" is relative and there is no page to resolve it against; pass an absolute URL, e.g. new URL('./wasm/', import.meta.url)`);
  }
}

async function fetchBytes(url: URL): Promise<BufferSource> {
  if (url.protocol === 'file:') {
    // getBuiltinModule, not import('node:fs'): no bundler sees a Node built-in in a browser bundle
    type Fs = { readFile(path: URL): Promise<Uint8Array<ArrayBuffer>> };
    const node = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
    const fs = node?.getBuiltinModule?.('node:fs/promises') as Fs | undefined;
    if (!fs) throw new NnwasmError(`createBackend: reading ${url} needs Node ≥ 20.16; pass the bytes instead: { wasm: { baseline } }`);
    return fs.readFile(url);
  }
  const res = await fetch(url);
  if (!res.ok) throw new NnwasmError(`createBackend: fetching ${url} failed with HTTP ${res.status}`);
  return res.arrayBuffer();
}

/** the bytes of a build: given by the caller, fetched from wasmUrl, or the embedded copy */
async function buildBytes(build: Build, opts: BackendOptions): Promise<BufferSource> {
  const given = opts.wasm?.[build];
  if (given) return given;
  if (opts.wasmUrl !== undefined) {
    const url = resolveWasmUrl(opts.wasmUrl, build);
    return fetchBytes(url).catch((e: unknown) => {
      throw e instanceof NnwasmError ? e : new NnwasmError(`createBackend: reading ${url} failed (${e instanceof Error ? e.message : String(e)})`);
    });
  }
  // loaded on first use, so that js-only and wasmUrl users can leave the base64 out of a split bundle
  const embedded = await import('./wasmBytes.ts');
  return Uint8Array.from(atob(build === 'baseline' ? embedded.baselineWasm : embedded.relaxedWasm), (c) => c.charCodeAt(0));
}

/**
 * Instantiate a build through @assemblyscript/loader: it supplies the imports an AssemblyScript
 * module may call (abort, trace, seed) and reads AssemblyScript strings, which we use to turn a
 * failed kernel assertion into an NnwasmError. After that the raw exports are called with
 * pointers: the hot path needs no glue.
 */
async function instantiate(bytes: BufferSource): Promise<WebAssembly.Instance> {
  let util: { __getString(ptr: number): string } | undefined;
  const text = (ptr: number) => (ptr && util ? util.__getString(ptr) : '');
  const env = {
    abort(message: number, file: number, line: number, column: number): never {
      throw new NnwasmError(`nnwasm kernel aborted: ${text(message)} (${text(file)}:${line}:${column})`);
    },
  };
  let result: Awaited<ReturnType<typeof loader.instantiate>>;
  try {
    result = await loader.instantiate(bytes, { env });
  } catch (e) {
    throw new NnwasmError(`createBackend: the WebAssembly module did not instantiate (${e instanceof Error ? e.message : String(e)}); is it an nnwasm build?`);
  }
  util = result.exports;
  // the module must be an nnwasm build of this version: every kernel of the contract, by name
  const ex = result.instance.exports as Record<string, unknown>;
  const missing = [...Object.keys(createJsKernels({ f32: new Float32Array(0), i32: new Int32Array(0) })), 'heapBase'].filter((k) => typeof ex[k] !== 'function');
  if (!(ex.memory instanceof WebAssembly.Memory) || missing.length)
    throw new NnwasmError(`createBackend: the WebAssembly module is not an nnwasm build of this version (missing ${ex.memory instanceof WebAssembly.Memory ? '' : 'memory, '}${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''})`);
  return result.instance;
}

async function createWasm(seed: number, opts: BackendOptions): Promise<Backend> {
  const mode = opts.simd ?? 'auto';
  let variant = 'wasm-simd';
  let bytes: BufferSource | undefined;
  if (mode !== 'baseline') {
    // under 'auto' a relaxed build that cannot be had (not shipped to wasmUrl, say) is no error
    const relaxed = await (mode === 'relaxed' ? buildBytes('relaxed', opts) : buildBytes('relaxed', opts).catch(() => undefined));
    if (relaxed && WebAssembly.validate(relaxed)) (bytes = relaxed), (variant = 'wasm-relaxed-simd');
    else if (mode === 'relaxed')
      throw new NnwasmError('createBackend: this runtime does not support relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd); use simd: "auto" or "baseline"');
  }
  if (!bytes) {
    bytes = await buildBytes('baseline', opts);
    if (!WebAssembly.validate(bytes))
      throw new NnwasmError(
        opts.wasm?.baseline ? 'createBackend: wasm.baseline is not a WebAssembly module this runtime can run (not an nnwasm build, or no SIMD support)'
          : 'createBackend: this runtime cannot run WebAssembly SIMD; use createBackend("js")');
  }
  const instance = await instantiate(bytes);
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
        const have = memory.buffer.byteLength / PAGE, need = Math.ceil(bytes / PAGE) - have;
        // grow geometrically so a model that grows batch by batch re-derives views rarely; near
        // the runtime's limit (4 GiB, or less) a big step fails where a smaller one fits, so
        // halve the step down to what is needed before giving up
        for (let step = Math.max(need, Math.floor(have / 2)); ; step = Math.max(need, Math.floor(step / 2))) {
          try {
            memory.grow(step);
            return;
          } catch (e) {
            if (step === need) throw e;
          }
        }
      },
    },
    ex.heapBase(),
    seed,
    opts.fenceBlocks === true,
  );
}

function createJs(seed: number, fenceBlocks: boolean): Backend {
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
        // the same 4 GiB as wasm32, so both backends hold the same models
        const want = Math.ceil(bytes / PAGE) * PAGE;
        if (want > MAX_BYTES) throw new RangeError(`${want} bytes is more than the ${MAX_BYTES} a backend addresses`);
        let next: ArrayBuffer;
        try {
          next = new ArrayBuffer(Math.min(MAX_BYTES, Math.ceil(Math.max(bytes, buffer.byteLength * 1.5) / PAGE) * PAGE));
        } catch {
          next = new ArrayBuffer(want); // the geometric step did not fit; ask for what is needed
        }
        new Uint8Array(next).set(new Uint8Array(buffer));
        buffer = next;
        heap.f32 = new Float32Array(buffer);
        heap.i32 = new Int32Array(buffer);
      },
    },
    16, // the js heap has no static data; keep ptr 0 free as "null"
    seed,
    fenceBlocks,
  );
}

/** Create a backend: 'wasm' (SIMD WebAssembly, the default) or 'js' (the plain-TS twin). */
export async function createBackend(name: BackendName = 'wasm', opts: BackendOptions = {}): Promise<Backend> {
  if (opts === null || typeof opts !== 'object') throw new ValueError(`createBackend: options must be an object such as { seed: 0 }, got ${describe(opts)}`);
  const seed = opts.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new ValueError(`createBackend: seed must be an integer, got ${describe(seed)}`);
  const { simd, wasm, wasmUrl } = opts;
  if (opts.fenceBlocks !== undefined && typeof opts.fenceBlocks !== 'boolean') throw new ValueError(`createBackend: fenceBlocks must be a boolean, got ${describe(opts.fenceBlocks)}`);
  if (simd !== undefined && simd !== 'auto' && simd !== 'baseline' && simd !== 'relaxed')
    throw new ValueError(`createBackend: simd must be 'auto', 'baseline' or 'relaxed', got ${describe(simd)}`);
  if (wasmUrl !== undefined && typeof wasmUrl !== 'string' && !(wasmUrl instanceof URL))
    throw new ValueError(`createBackend: wasmUrl must be a string or a URL, got ${describe(wasmUrl)}`);
  if (wasm !== undefined) {
    if (wasm === null || typeof wasm !== 'object') throw new ValueError(`createBackend: wasm must be { baseline?, relaxed? } holding the builds' bytes, got ${describe(wasm)}`);
    for (const build of ['baseline', 'relaxed'] as const) {
      const bytes = wasm[build];
      if (bytes !== undefined && !(bytes instanceof ArrayBuffer || ArrayBuffer.isView(bytes)))
        throw new ValueError(`createBackend: wasm.${build} must be the bytes of the build (an ArrayBuffer or a Uint8Array), got ${describe(bytes)}`);
    }
  }
  if (name === 'wasm') return createWasm(seed >>> 0, opts);
  if (name === 'js') return createJs(seed >>> 0, opts.fenceBlocks === true);
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

/** a constructor's options checked at the boundary: an object (or nothing) whose `backend`, if any, is a Backend */
export function backendFrom(opts: { backend?: Backend } | undefined, who: string): Backend {
  if (opts !== undefined && (typeof opts !== 'object' || opts === null))
    throw new ValueError(`${who}: options must be an object, got ${opts === null ? 'null' : typeof opts}`);
  const backend = opts?.backend;
  if (backend !== undefined && !(backend instanceof Backend)) throw new ValueError(`${who}: backend must be a Backend (from createBackend), got ${typeof backend}`);
  return backend ?? getBackend();
}
