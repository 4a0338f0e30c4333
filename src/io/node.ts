/**
 * Saved models as files, for Node (kept out of src/index.ts so browser bundles never see node:fs).
 * The bytes are exactly Model.save()'s, so a file written here loads in a browser and back.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { Model } from '../model.ts';
import { NnwasmError, ValueError } from '../errors.ts';
import { describe } from '../describe.ts';
import type { Backend } from '../backend/backend.ts';

/**
 * Write `model.save()` to `path`. The bytes go to a temporary file that is then renamed, so a crash
 * mid-write leaves the previous file intact rather than a truncated one.
 */
export async function saveModelFile(model: Model, path: string): Promise<void> {
  if (!(model instanceof Model)) throw new ValueError(`saveModelFile: expected a Model, got ${describe(model)}`);
  if (typeof path !== 'string' || !path) throw new ValueError(`saveModelFile: path must be a non-empty string, got ${describe(path)}`);
  const bytes = model.save();
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new NnwasmError(`saveModelFile: cannot write ${path} (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
}

/** read a file written by saveModelFile (or any Model.save() bytes) and rebuild the model */
export async function loadModelFile(path: string, opts: { backend?: Backend } = {}): Promise<Model> {
  if (typeof path !== 'string' || !path) throw new ValueError(`loadModelFile: path must be a non-empty string, got ${describe(path)}`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    throw new NnwasmError(`loadModelFile: cannot read ${path} (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  return Model.load(bytes, opts);
}
