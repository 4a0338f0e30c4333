/**
 * The saved-model container: bytes that say what they are, which version wrote them, and whether
 * they arrived intact.
 *
 *   offset 0    magic, 8 bytes: 0x89 "NNWASM" 0x0A (PNG-style: the high bit and the newline catch
 *               7-bit and text-mode transfers)
 *   offset 8    uint32 LE  format version (FORMAT_VERSION; version 1 files, whose tensor table gave
 *               { name, rows, cols } instead of { name, shape }, are still read)
 *   offset 12   uint32 LE  header length H in bytes
 *   offset 16   header: UTF-8 JSON, H bytes, then zero padding to a multiple of 4
 *   then        payload: the tensors listed in header.tensors, in order, as little-endian float32
 *   last 4      uint32 LE  CRC-32 of every byte before it
 *
 * This module knows nothing about models: src/io/model.ts decides what the header holds.
 */
import { crc32 } from './crc32.ts';
import { FormatError } from '../errors.ts';
import type { Json } from '../layers/layer.ts';

export const MAGIC = Uint8Array.of(0x89, 0x4e, 0x4e, 0x57, 0x41, 0x53, 0x4d, 0x0a);
export const FORMAT_VERSION = 2;
/** the oldest version decode still reads */
const OLDEST_VERSION = 1;
const PREFIX = 16;

/** one tensor of the payload: its name and shape; the values follow the previous tensor's */
export interface TensorEntry {
  name: string;
  shape: number[];
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export interface Container {
  header: { [key: string]: Json; tensors: Json };
  tensors: { entry: TensorEntry; values: Float32Array }[];
}

const pad4 = (n: number) => (n + 3) & ~3;

/** write `header` (a JSON object; its `tensors` key is filled in here) and the tensors' values */
export function encode(header: { [key: string]: Json }, tensors: { entry: TensorEntry; values: ArrayLike<number> }[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify({ ...header, tensors: tensors.map(({ entry: { name, shape } }) => ({ name, shape })) }));
  const floats = tensors.reduce((n, t) => n + t.values.length, 0);
  const payloadAt = PREFIX + pad4(json.length);
  const bytes = new Uint8Array(payloadAt + floats * 4 + 4);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint32(8, FORMAT_VERSION, true);
  view.setUint32(12, json.length, true);
  bytes.set(json, PREFIX);
  let at = payloadAt;
  for (const { entry, values } of tensors) {
    if (values.length !== sizeOf(entry.shape)) throw new FormatError(`encode: ${entry.name} has ${values.length} values for ${entry.shape.join('×')}`);
    for (let i = 0; i < values.length; i++, at += 4) view.setFloat32(at, values[i], true);
  }
  view.setUint32(at, crc32(bytes.subarray(0, at)), true);
  return bytes;
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 1;

/** the tensor table of a parsed header, checked entry by entry (version 1 gave rows and cols) */
function tensorTable(header: { tensors?: unknown }, version: number): TensorEntry[] {
  const list = header.tensors;
  if (!Array.isArray(list)) throw new FormatError('the header has no tensor table');
  return list.map((e: unknown, i) => {
    const { name, rows, cols, shape } = (e ?? {}) as Record<string, unknown>;
    const dims = version === 1 ? [rows, cols] : shape;
    if (typeof name !== 'string' || !Array.isArray(dims) || !dims.length || !dims.every(isCount) || !isCount(sizeOf(dims as number[])))
      throw new FormatError(`tensor ${i} of the header is malformed (expected ${version === 1 ? '{ name, rows ≥ 1, cols ≥ 1 }' : '{ name, shape: [dimensions ≥ 1] }'}, got ${JSON.stringify(e)})`);
    return { name, shape: dims as number[] };
  });
}

/**
 * Read bytes written by encode, checking magic, version, length and checksum before anything is
 * parsed further. Every failure is a FormatError saying which check failed.
 */
export function decode(input: Uint8Array | ArrayBuffer): Container {
  if (!(input instanceof Uint8Array) && !(input instanceof ArrayBuffer))
    throw new FormatError(`expected the bytes of a saved model (Uint8Array or ArrayBuffer), got ${input === null ? 'null' : typeof input}`);
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < PREFIX + 4) throw new FormatError(`truncated: ${bytes.length} bytes cannot hold a saved model (at least ${PREFIX + 4})`);
  if (!MAGIC.every((b, i) => bytes[i] === b)) throw new FormatError('not an nnwasm model: the first 8 bytes are not the nnwasm magic');
  const version = view.getUint32(8, true);
  if (version < OLDEST_VERSION || version > FORMAT_VERSION)
    throw new FormatError(`unsupported format version ${version}: this nnwasm reads versions ${OLDEST_VERSION} to ${FORMAT_VERSION}${version > FORMAT_VERSION ? ' (the file was written by a newer nnwasm)' : ''}`);
  const headerLength = view.getUint32(12, true);
  const payloadAt = PREFIX + pad4(headerLength);
  // A truncated file usually still has an intact header: say "truncated" rather than "corrupted".
  let header: Container['header'] | undefined;
  let entries: TensorEntry[] | undefined;
  if (payloadAt <= bytes.length) {
    try {
      header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + headerLength)));
      entries = tensorTable(header ?? {}, version);
    } catch {
      (header = undefined), (entries = undefined);
    }
  }
  if (entries) {
    const expected = payloadAt + entries.reduce((n, e) => n + sizeOf(e.shape) * 4, 0) + 4;
    if (bytes.length < expected) throw new FormatError(`truncated: the file has ${bytes.length} bytes, its header announces ${expected}`);
    if (bytes.length > expected) throw new FormatError(`${bytes.length - expected} unexpected bytes after the end of the model (${expected} bytes)`);
  }
  const stored = view.getUint32(bytes.length - 4, true);
  if (crc32(bytes.subarray(0, bytes.length - 4)) !== stored) throw new FormatError('corrupted: the CRC-32 checksum does not match the contents');
  if (!header || !entries || typeof header !== 'object' || Array.isArray(header)) throw new FormatError('corrupted: the header is not a JSON object with a tensor table');
  let at = payloadAt;
  const tensors = entries.map((entry) => {
    const values = new Float32Array(sizeOf(entry.shape));
    for (let i = 0; i < values.length; i++, at += 4) values[i] = view.getFloat32(at, true);
    return { entry, values };
  });
  return { header, tensors };
}
