/**
 * Saved models as files, for Node (kept out of src/index.ts so browser bundles never see node:fs).
 * The bytes are exactly Model.save()'s, so a file written here loads in a browser and back.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Model } from '../model.ts';
import { FormatError, NnwasmError, ValueError } from '../errors.ts';
import { describe } from '../describe.ts';
import type { Backend } from '../backend/backend.ts';
import type { ModelBase } from '../modelBase.ts';
import type { Sequential } from '../api/sequential.ts';
import { exportTfjsLayers, importTfjsLayers, type TfjsExportOptions } from './tfjs.ts';

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

/**
 * Write `model` as a TF.js layers-model folder: `dir/model.json` and `dir/weights.bin`, what
 * `tf.loadLayersModel('file://dir/model.json')` (tfjs-node) and tensorflowjs_converter read.
 */
export async function saveTfjsLayers(model: ModelBase, dir: string, opts: TfjsExportOptions = {}): Promise<void> {
  if (typeof dir !== 'string' || !dir) throw new ValueError(`saveTfjsLayers: dir must be a non-empty string, got ${describe(dir)}`);
  const { modelJSON, weightData } = exportTfjsLayers(model, opts);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'weights.bin'), new Uint8Array(weightData));
    await writeFile(join(dir, 'model.json'), JSON.stringify(modelJSON));
  } catch (e) {
    throw new NnwasmError(`saveTfjsLayers: cannot write ${dir} (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
}

/**
 * Read a TF.js layers-model from `model.json` (a path to the file, or its folder) and the weight
 * files its manifest names, in order (TF.js's `weights.bin`, the converter's
 * `group1-shard1of2.bin`, …): see importTfjsLayers.
 */
export async function loadTfjsLayers(path: string, opts: { backend?: Backend; onWarning?: (message: string) => void } = {}): Promise<Sequential> {
  if (typeof path !== 'string' || !path) throw new ValueError(`loadTfjsLayers: path must be a non-empty string, got ${describe(path)}`);
  const file = path.endsWith('.json') ? path : join(path, 'model.json');
  const dir = dirname(file);
  const read = async (p: string) => {
    try {
      return await readFile(p);
    } catch (e) {
      throw new NnwasmError(`loadTfjsLayers: cannot read ${p} (${e instanceof Error ? e.message : String(e)})`, { cause: e });
    }
  };
  let modelJSON: { weightsManifest?: { paths?: unknown }[] };
  try {
    modelJSON = JSON.parse((await read(file)).toString('utf8'));
  } catch (e) {
    if (e instanceof NnwasmError) throw e;
    throw new FormatError(`loadTfjsLayers: ${file} is not JSON (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  const paths = (Array.isArray(modelJSON?.weightsManifest) ? modelJSON.weightsManifest : []).flatMap((g) => (Array.isArray(g?.paths) ? g.paths : []));
  if (!paths.every((p): p is string => typeof p === 'string' && !p.includes('..')))
    throw new FormatError(`loadTfjsLayers: ${file}: weightsManifest paths must be file names beside model.json, got ${describe(paths)}`);
  const shards = await Promise.all(paths.map(async (p) => { const b = await read(join(dir, p)); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer; }));
  return importTfjsLayers({ modelJSON, weightData: shards }, opts);
}
