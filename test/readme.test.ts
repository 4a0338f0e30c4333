import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The README's code must run as written. Each ```ts block that imports 'nnwasm' runs against
// src/, with only the epoch counts cut so the suite stays quick.
const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(`${root}README.md`, 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).filter((code) => code.includes("from 'nnwasm'"));

describe('README examples', () => {
  it('has the book-level and the Model examples', () => expect(blocks.length).toBeGreaterThanOrEqual(3));

  it.each(blocks.map((code, i) => [i, code] as const))('block %i runs', async (i, code) => {
    const runnable = code
      .replaceAll("from 'nnwasm'", `from '${root}src/index.ts'`)
      .replace(/epochs: 10_000/g, 'epochs: 20')
      .replace(/epoch <= 1000/g, 'epoch <= 20');
    const logs: unknown[][] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void logs.push(a);
    try {
      mkdirSync(`${root}test/.tmp`, { recursive: true });
      const file = `${root}test/.tmp/readme-${i}.ts`;
      writeFileSync(file, `${runnable}\nexport {};\n`);
      await import(pathToFileURL(file).href);
    } finally {
      console.log = log;
    }
    if (code.includes('console.log')) expect(logs.length).toBeGreaterThan(0);
  });
});
