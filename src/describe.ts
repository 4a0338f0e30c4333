import { ValueError } from './errors.ts';

/**
 * What a value is, for error messages: numbers as they are, anything else as JSON (cut to 80
 * characters) with its type. Never throws, whatever it is given (bigints, cycles, symbols,
 * objects without a prototype), so building a message cannot replace the error it describes.
 */
export function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'bigint') return `${v}n (bigint)`;
  let text: string | undefined;
  try {
    text = JSON.stringify(v);
  } catch {
    text = undefined;
  }
  if (text === undefined) {
    try {
      text = String(v);
    } catch {
      text = Object.prototype.toString.call(v);
    }
  }
  if (text.length > 80) text = `${text.slice(0, 77)}...`;
  return `${text} (${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v})`;
}

/** a ValueError for any key of `opts` that is not in `valid`, listing the valid ones (TF.js ignores them; a typo should not pass) */
export function checkKeys(opts: object, valid: readonly string[], who: string): void {
  const unknown = Object.keys(opts).filter((k) => !valid.includes(k));
  if (unknown.length) throw new ValueError(`${who}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; the options are ${valid.join(', ')}`);
}
