import { expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// What `npm start` runs, run as a user would: the full 10,000-epoch chapter-15 training on the
// wasm backend. The book reached validation accuracy 0.857; the issue asks for at least 0.80.
it('npm start: the chapter-15 model prints the book-style log and validates at ≥ 0.80', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/chapter15.ts'], { cwd: root, encoding: 'utf8', timeout: 600_000 });
  const lines = out.trim().split('\n');
  const epochLines = lines.filter((l) => l.startsWith('epoch: '));
  expect(epochLines).toHaveLength(101); // epoch 1, then every 100th up to 10,000
  expect(epochLines.at(-1)).toMatch(/^epoch: 10000, acc: 0\.\d{3}, loss: \d\.\d{3} \(data_loss: \d\.\d{3}, reg_loss: \d\.\d{3}\), lr: 0\.0333344444/);
  const validation = lines.find((l) => l.startsWith('validation, '));
  const acc = Number(/acc: (\d\.\d+)/.exec(validation ?? '')?.[1]);
  expect(acc).toBeGreaterThanOrEqual(0.8);
}, 600_000);
