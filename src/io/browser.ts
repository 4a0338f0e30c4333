/**
 * Saved models in the browser: a download, and a slot in IndexedDB. Thin wrappers around
 * Model.save() / Model.load(); kept apart from src/index.ts so Node never needs the DOM.
 */
import { Model } from '../model.ts';
import type { Backend } from '../backend/backend.ts';
import { NnwasmError } from '../errors.ts';

/** offer `model.save()` as a file download (default name model.nnwasm) */
export function downloadModel(model: Model, filename = 'model.nnwasm'): void {
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
  const bytes = model.save();
  await transact(dbName, 'readwrite', (s) => s.put(bytes, key));
}

/** load the model stored under `key`; NnwasmError when there is none */
export async function loadModelFromIndexedDB(key: string, opts: { backend?: Backend; dbName?: string } = {}): Promise<Model> {
  const bytes = await transact<unknown>(opts.dbName ?? 'nnwasm', 'readonly', (s) => s.get(key));
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) throw new NnwasmError(`loadModelFromIndexedDB: no model stored under '${key}'`);
  return Model.load(bytes, { backend: opts.backend });
}
