import type { Backend, Kernels } from '../src/index.ts';

/**
 * Every kernel of `b`'s registry wrapped in a wall-clock timer (about a microsecond per call)
 * that counts only while `on` is true, keyed by `label(name, args)` (default: the kernel's name):
 * the profilers' way to see where a step or a predict spends its time.
 */
export function timeKernels(b: Backend, label: (name: string, args: number[]) => string = (name) => name) {
  const timer = { on: false, times: new Map<string, number>(), calls: new Map<string, number>() };
  const raw = b.kernels as unknown as Record<string, (...a: number[]) => number | void>;
  const wrapped: Record<string, unknown> = {};
  for (const name of Object.keys(raw)) {
    const f = raw[name];
    if (typeof f !== 'function') continue;
    wrapped[name] = (...a: number[]) => {
      if (!timer.on) return f(...a);
      const t = performance.now(), r = f(...a), key = label(name, a);
      timer.times.set(key, (timer.times.get(key) ?? 0) + performance.now() - t);
      timer.calls.set(key, (timer.calls.get(key) ?? 0) + 1);
      return r;
    };
  }
  Object.defineProperty(b, 'kernels', { value: wrapped as unknown as Kernels });
  return timer;
}
