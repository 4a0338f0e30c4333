/**
 * The published package: dist/ = src/ compiled by tsconfig.build.json (ES modules + .d.ts, the
 * embedded wasm included) and dist/wasm/*.wasm for the `wasmUrl` option. `npm run build` runs
 * this after `npm run asbuild`; the packaging test builds into a folder of its own. The output
 * folder is emptied first so a renamed source leaves nothing behind.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

export function buildDist(outDir = `${root}dist`): void {
  rmSync(outDir, { recursive: true, force: true });
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`, '--outDir', resolve(outDir)], { stdio: 'inherit' });
  mkdirSync(`${outDir}/wasm`);
  for (const file of ['nnwasm.wasm', 'nnwasm-relaxed.wasm']) copyFileSync(`${root}build/${file}`, `${outDir}/wasm/${file}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) buildDist();
