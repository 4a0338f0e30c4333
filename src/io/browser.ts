/**
 * Saved models in the browser: a download, and a slot in IndexedDB. Thin wrappers around
 * Model.save() / Model.load(); kept apart from src/index.ts so Node never needs the DOM.
 */
import { Model } from '../model.ts';
import type { Backend } from '../backend/backend.ts';
import type { ModelBase } from '../modelBase.ts';
import type { Sequential } from '../api/sequential.ts';
import { exportTfjsLayers, importTfjsLayers, type TfjsExportOptions } from './tfjs.ts';
import { FormatError, NnwasmError, ValueError } from '../errors.ts';
import { describe } from '../describe.ts';

const checkModel = (model: unknown, who: string) => {
  if (!(model instanceof Model)) throw new ValueError(`${who}: expected a Model, got ${describe(model)}`);
};
/** an IndexedDB failure (quota, a closed or blocked database) as an NnwasmError naming the call */
const storageError = (who: string) => (e: unknown): never => {
  throw e instanceof NnwasmError ? e : new NnwasmError(`${who}: IndexedDB failed (${e instanceof Error ? e.message : String(e)})`, { cause: e });
};

/** offer `model.save()` as a file download (default name model.nnwasm) */
export function downloadModel(model: Model, filename = 'model.nnwasm'): void {
  checkModel(model, 'downloadModel');
  if (typeof filename !== 'string' || !filename) throw new ValueError(`downloadModel: filename must be a non-empty string, got ${describe(filename)}`);
  offer(new Blob([model.save() as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), filename);
}

/** the browser's download of `blob` as `filename` */
function offer(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement('a'), { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/**
 * Download `model` as TF.js's `downloads://name` does: `name.json` and `name.weights.bin` (default
 * name 'model'), which tf.loadLayersModel(tf.io.browserFiles([json, bin])) and the converter read.
 */
export function downloadTfjsLayers(model: ModelBase, name = 'model', opts: TfjsExportOptions = {}): void {
  if (typeof name !== 'string' || !name) throw new ValueError(`downloadTfjsLayers: name must be a non-empty string, got ${describe(name)}`);
  const { modelJSON, weightData } = exportTfjsLayers(model, opts);
  modelJSON.weightsManifest[0].paths = [`./${name}.weights.bin`];
  offer(new Blob([JSON.stringify(modelJSON)], { type: 'application/json' }), `${name}.json`);
  offer(new Blob([weightData], { type: 'application/octet-stream' }), `${name}.weights.bin`);
}

/**
 * A TF.js layers-model into nnwasm (see importTfjsLayers), from the URL of its model.json (the
 * weight files are fetched beside it) or from the files a user picked (`<input type=file multiple>`:
 * the .json and every weight file its manifest names).
 */
export async function loadTfjsLayers(source: string | ArrayLike<File>, opts: { backend?: Backend; onWarning?: (message: string) => void } = {}): Promise<Sequential> {
  const who = 'loadTfjsLayers';
  const fail = (what: string) => (e: unknown): never => {
    throw e instanceof NnwasmError ? e : new NnwasmError(`${who}: cannot read ${what} (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  };
  const paths = (json: { weightsManifest?: { paths?: unknown }[] }): string[] => {
    const list = (Array.isArray(json?.weightsManifest) ? json.weightsManifest : []).flatMap((g) => (Array.isArray(g?.paths) ? g.paths : []));
    if (!list.every((p): p is string => typeof p === 'string')) throw new FormatError(`${who}: weightsManifest paths must be strings, got ${describe(list)}`);
    return list;
  };
  if (typeof source === 'string') {
    const get = async (url: string) => {
      const r = await fetch(url).catch(fail(url));
      if (!r.ok) throw new NnwasmError(`${who}: ${url}: HTTP ${r.status}`);
      return r;
    };
    const modelJSON = await (await get(source)).json().catch(fail(`${source} as JSON`));
    const shards = await Promise.all(paths(modelJSON).map(async (p) => (await get(new URL(p, new URL(source, location.href)).href)).arrayBuffer()));
    return importTfjsLayers({ modelJSON, weightData: shards }, opts);
  }
  const files = Array.from(source ?? []);
  const jsonFile = files.find((f) => f.name.endsWith('.json'));
  if (!jsonFile) throw new ValueError(`${who}: no .json among the files (${files.map((f) => f.name).join(', ') || 'none'})`);
  const modelJSON = JSON.parse(await jsonFile.text().catch(fail(jsonFile.name)));
  const shards = await Promise.all(paths(modelJSON).map((p) => {
    const base = p.split('/').pop()!;
    const file = files.find((f) => f.name === base);
    if (!file) throw new ValueError(`${who}: the manifest names ${base}, which is not among the files picked`);
    return file.arrayBuffer();
  }));
  return importTfjsLayers({ modelJSON, weightData: shards }, opts);
}

const STORE = 'models';

function openDb(dbName: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(dbName, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function transact<T>(dbName: string, mode: IDBTransactionMode, op: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb(dbName);
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = op(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = tx.onabort = () => reject(tx.error ?? req.error);
    });
  } finally {
    db.close();
  }
}

/** store `model.save()` under `key` in IndexedDB (database `dbName`, default 'nnwasm') */
export async function saveModelToIndexedDB(model: Model, key: string, dbName = 'nnwasm'): Promise<void> {
  checkModel(model, 'saveModelToIndexedDB');
  if (typeof key !== 'string') throw new ValueError(`saveModelToIndexedDB: key must be a string, got ${describe(key)}`);
  const bytes = model.save();
  await transact(dbName, 'readwrite', (s) => s.put(bytes, key)).catch(storageError('saveModelToIndexedDB'));
}

/** load the model stored under `key`; NnwasmError when there is none */
export async function loadModelFromIndexedDB(key: string, opts: { backend?: Backend; dbName?: string } = {}): Promise<Model> {
  if (typeof key !== 'string') throw new ValueError(`loadModelFromIndexedDB: key must be a string, got ${describe(key)}`);
  if (opts === null || typeof opts !== 'object') throw new ValueError(`loadModelFromIndexedDB: options must be an object, got ${describe(opts)}`);
  const bytes = await transact<unknown>(opts.dbName ?? 'nnwasm', 'readonly', (s) => s.get(key)).catch(storageError('loadModelFromIndexedDB'));
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) throw new NnwasmError(`loadModelFromIndexedDB: no model stored under '${key}'`);
  return Model.load(bytes, { backend: opts.backend });
}
