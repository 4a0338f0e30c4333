/**
 * The shape math of windows sliding over NHWC images (convolution and pooling), in TS so the
 * kernels take plain sizes and offsets: TensorFlow's rules for 'valid' and 'same' padding.
 */
import { ShapeError, ValueError } from '../errors.ts';
import { describe } from '../describe.ts';
import { shapeText } from '../tensor.ts';

export type Padding = 'valid' | 'same';

/** a window option given as one number or [rows, cols]: both positive integers */
export function pair(v: unknown, who: string, name: string): [number, number] {
  const [a, b] = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : [NaN, NaN];
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || a < 1 || b < 1)
    throw new ValueError(`${who}: ${name} must be a positive integer or [rows, cols] of them, got ${describe(v)}`);
  return [a, b];
}

export function checkPadding(v: unknown, who: string): Padding {
  if (v !== 'valid' && v !== 'same') throw new ValueError(`${who}: padding must be 'valid' or 'same', got ${describe(v)}`);
  return v;
}

/** one axis: the output size and the padding before it (TensorFlow: 'same' puts the odd one after) */
export function axis(size: number, window: number, stride: number, dilation: number, padding: Padding): { out: number; before: number } {
  const extent = (window - 1) * dilation + 1;
  if (padding === 'valid') return { out: size >= extent ? Math.floor((size - extent) / stride) + 1 : 0, before: 0 };
  const out = Math.ceil(size / stride);
  return { out, before: Math.floor(Math.max((out - 1) * stride + extent - size, 0) / 2) };
}

/** everything a kernel needs about a window over an image of one sample's shape [h, w, c] */
export interface Geometry {
  h: number;
  w: number;
  c: number;
  oh: number;
  ow: number;
  padTop: number;
  padLeft: number;
}

/** the geometry of `window` over one sample `[h, w, c]`, or a ShapeError naming `who` */
export function geometry(sample: readonly number[], window: [number, number], strides: [number, number], dilation: [number, number], padding: Padding, who: string): Geometry {
  if (sample.length !== 3) throw new ShapeError(`${who} takes images, [height, width, channels] per sample (NHWC), but its input is ${shapeText(sample)} per sample`);
  const [h, w, c] = sample;
  const rows = axis(h, window[0], strides[0], dilation[0], padding), cols = axis(w, window[1], strides[1], dilation[1], padding);
  if (rows.out < 1 || cols.out < 1)
    throw new ShapeError(`${who}: a ${window.join('×')} window${dilation[0] * dilation[1] > 1 ? ` dilated ${dilation.join('×')}` : ''} does not fit a ${h}×${w} image with padding 'valid'`);
  return { h, w, c, oh: rows.out, ow: cols.out, padTop: rows.before, padLeft: cols.before };
}
