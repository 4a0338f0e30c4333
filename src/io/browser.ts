/**
 * Saved models in the browser: a download, and a slot in IndexedDB. Thin wrappers around
 * Model.save() / Model.load(); kept apart from src/index.ts so Node never needs the DOM.
 */
import { Model } from '../model.ts';
import type { Backend } from '../backend/backend.ts';
import { NnwasmError, ValueError } from '../errors.ts';
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
  const bytes = model.save();
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
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
