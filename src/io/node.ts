/**
 * Saved models as files, for Node (kept out of src/index.ts so browser bundles never see node:fs).
 * The bytes are exactly Model.save()'s, so a file written here loads in a browser and back.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { Model } from '../model.ts';
import type { Backend } from '../backend/backend.ts';

/**
 * Write `model.save()` to `path`. The bytes go to a temporary file that is then renamed, so a crash
 * mid-write leaves the previous file intact rather than a truncated one.
 */
export async function saveModelFile(model: Model, path: string): Promise<void> {
  const bytes = model.save();
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

/** read a file written by saveModelFile (or any Model.save() bytes) and rebuild the model */
export async function loadModelFile(path: string, opts: { backend?: Backend } = {}): Promise<Model> {
  return Model.load(new Uint8Array(await readFile(path)), opts);
}
