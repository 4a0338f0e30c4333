import { describe, expect, it } from 'vitest';
import { wavesData, WAVE_CLASSES, ValueError } from '../src/index.ts';

describe('wavesData', () => {
  it('makes [samples, steps, 1] sequences in three balanced classes, amplitude 1 plus the noise, the same for the same seed', () => {
    const { X, y } = wavesData({ samples: 300, steps: 40, noise: 0.2, seed: 3 });
    expect(X.shape).toEqual([300, 40, 1]);
    expect([0, 1, 2].map((c) => y.filter((v) => v === c).length)).toEqual([100, 100, 100]);
    expect(Math.max(...X.data.map(Math.abs))).toBeLessThanOrEqual(1.2 + 1e-6);
    expect(wavesData({ samples: 300, steps: 40, seed: 3 }).X.data).toEqual(X.data);
    expect(wavesData({ samples: 300, steps: 40, seed: 4 }).X.data).not.toEqual(X.data);
    expect(WAVE_CLASSES).toEqual(['sine', 'square', 'sawtooth']);
  });

  it('without noise, each class has its shape: squares take two values, sawtooths rise by a constant step between their jumps', () => {
    const steps = 50, { X, y } = wavesData({ samples: 30, steps, noise: 0, seed: 1 });
    for (let s = 0; s < 30; s++) {
      const row = Array.from(X.data.subarray(s * steps, (s + 1) * steps));
      if (y[s] === 1) expect(new Set(row)).toEqual(new Set(row.filter((v) => v === 1 || v === -1)));
      if (y[s] === 2) {
        const rises = row.slice(1).map((v, t) => v - row[t]).filter((d) => d > 0);
        expect(Math.max(...rises) - Math.min(...rises)).toBeLessThan(1e-5);
      }
      if (y[s] === 0) expect(row.some((v) => Math.abs(v) > 0.05 && Math.abs(v) < 0.95)).toBe(true);
    }
  });

  it('refuses bad options by name', () => {
    expect(() => wavesData({ samples: 0 })).toThrow(ValueError);
    expect(() => wavesData({ noise: -1 })).toThrow(/noise/);
    expect(() => wavesData({ cycles: [3, 1] })).toThrow(/cycles/);
    expect(() => wavesData({ steps: 2.5 })).toThrow(/steps/);
  });
});
