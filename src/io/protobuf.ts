/**
 * The protobuf wire format, the writing half, as much as ONNX export needs: varints, int64s that
 * fit in a double, strings, bytes, packed repeated numbers and nested messages. A message is
 * written as a list of fields; `encode` turns it into bytes: a few dozen lines in place of
 * protobufjs + onnx-proto at runtime (test/onnx.test.ts decodes what this writes with onnx-proto
 * and checks every field).
 */

/** one field of a message: its number and value; arrays are repeated fields (numbers packed) */
export type Field =
  | [number, 'varint', number | number[]]
  | [number, 'string', string | string[]]
  | [number, 'bytes', Uint8Array]
  | [number, 'float', number]
  | [number, 'floats', number[]]
  | [number, 'message', Message]
  | [number, 'messages', Message[]];
export type Message = Field[];

const utf8 = new TextEncoder();

class Writer {
  private buf = new Uint8Array(256);
  private len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** a non-negative integer up to 2^53, or a negative int64 (ten bytes, two's complement) */
  varint(v: number): void {
    if (!Number.isSafeInteger(v)) throw new RangeError(`protobuf: ${v} is not a safe integer`);
    this.room(10);
    let big = BigInt.asUintN(64, BigInt(v));
    do {
      const byte = Number(big & 0x7fn);
      big >>= 7n;
      this.buf[this.len++] = big ? byte | 0x80 : byte;
    } while (big);
  }

  raw(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** a length-delimited field: its tag, its length, its bytes */
  delimited(field: number, bytes: Uint8Array): void {
    this.varint((field << 3) | 2);
    this.varint(bytes.length);
    this.raw(bytes);
  }

  done(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const float32le = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

/** a message's bytes */
export function encode(message: Message): Uint8Array {
  const w = new Writer();
  for (const [field, kind, value] of message) {
    if (kind === 'varint') {
      if (Array.isArray(value)) {
        const packed = new Writer();
        for (const v of value) packed.varint(v);
        w.delimited(field, packed.done());
      } else {
        w.varint(field << 3);
        w.varint(value);
      }
    } else if (kind === 'string') for (const s of Array.isArray(value) ? value : [value]) w.delimited(field, utf8.encode(s));
    else if (kind === 'bytes') w.delimited(field, value);
    else if (kind === 'float') (w.varint((field << 3) | 5), w.raw(float32le([value])));
    else if (kind === 'floats') w.delimited(field, float32le(value));
    else if (kind === 'message') w.delimited(field, encode(value));
    else for (const m of value) w.delimited(field, encode(m));
  }
  return w.done();
}
