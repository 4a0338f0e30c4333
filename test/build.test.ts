/**
 * scripts/build-wasm.ts (`npm run asbuild`, run by `npm start` and `npm test`): asc runs only when
 * an input changed. These tests build a small project of their own (a copy of asconfig.json and a
 * two-file assembly/) through the script's --root option, so they never touch the real build/,
 * assembly/ or src/backend/wasmBytes.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quiet } from '../scripts/build-wasm.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
let project: string;
const path = (file: string) => join(project, file);
const OUTPUTS = ['build/nnwasm.wasm', 'build/nnwasm-relaxed.wasm', 'src/backend/wasmBytes.ts'];
const STAMP = 'build/.inputs-sha256';
const TWICE = 'export function twice(x: i32): i32 { return x + x; }\n';

/** the script as `npm run asbuild` runs it, on the small project */
function build(...args: string[]) {
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-wasm.ts', `--root=${project}`, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - started };
}
const mtimes = () => OUTPUTS.map((f) => statSync(path(f)).mtimeMs);

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'nnwasm-build-'));
  copyFileSync(`${root}asconfig.json`, path('asconfig.json'));
  mkdirSync(path('assembly/lib'), { recursive: true });
  writeFileSync(path('assembly/index.ts'), 'import { twice } from "./lib/twice";\nexport function add(a: i32, b: i32): i32 { return twice(a) + b; }\n');
  writeFileSync(path('assembly/lib/twice.ts'), TWICE);
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('npm run asbuild (scripts/build-wasm.ts)', () => {
  it('builds from a clean folder: both targets, the embedded module, a stamp, nothing on stderr', () => {
    const r = build();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/compiling assembly\/index\.ts .*no build yet/);
    for (const f of OUTPUTS) expect(existsSync(path(f))).toBe(true);
    const embedded = readFileSync(path('src/backend/wasmBytes.ts'), 'utf8');
    expect(embedded).toContain(`'${readFileSync(path('build/nnwasm.wasm')).toString('base64')}'`);
    expect(embedded).toContain(`'${readFileSync(path('build/nnwasm-relaxed.wasm')).toString('base64')}'`);
    expect(readFileSync(path(STAMP), 'utf8')).toMatch(/^[0-9a-f]{64} {2}assembly\/lib\/twice\.ts$/m);
  });

  it('run again, skips asc: says so, prints nothing on stderr, leaves every output untouched', () => {
    const before = mtimes();
    const r = build();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/up to date, asc skipped/);
    expect(mtimes()).toEqual(before);
    expect(r.ms).toBeLessThan(10_000); // node and tsx starting, hashing a few files; a build of the real assembly/ takes asc 15–20 s
  });

  it('a changed stamp forces a rebuild, and the run after it skips again', () => {
    const stamp = readFileSync(path(STAMP), 'utf8');
    writeFileSync(path(STAMP), stamp.replace(/^[0-9a-f]{64}(?= {2}build\/nnwasm\.wasm$)/m, '0'.repeat(64)));
    const before = mtimes();
    const r = build();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/compiling .*changed since the last build: build\/nnwasm\.wasm/);
    mtimes().forEach((t, i) => expect(t, OUTPUTS[i]).not.toBe(before[i]));
    expect(readFileSync(path(STAMP), 'utf8')).toBe(stamp); // the same inputs build the same bytes
    expect(build().stdout).toMatch(/asc skipped/);
  });

  it('a changed source in a subfolder of assembly/: --check reports it without building, then a run rebuilds', () => {
    writeFileSync(path('assembly/lib/twice.ts'), `${TWICE}// edited\n`);
    const before = mtimes();
    const check = build('--check');
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(/due for a build: changed since the last build: assembly\/lib\/twice\.ts/);
    expect(mtimes()).toEqual(before);
    const r = build();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/compiling/);
    expect(build('--check').status).toBe(0);
  });

  it('a deleted output rebuilds, and so does --force', () => {
    rmSync(path('src/backend/wasmBytes.ts'));
    expect(build().stdout).toMatch(/compiling .*src\/backend\/wasmBytes\.ts missing/);
    expect(existsSync(path('src/backend/wasmBytes.ts'))).toBe(true);
    const before = mtimes();
    const forced = build('--force');
    expect(forced.status).toBe(0);
    expect(forced.stdout).toMatch(/compiling .*--force/);
    mtimes().forEach((t, i) => expect(t, OUTPUTS[i]).not.toBe(before[i]));
  });

  it('asc failing fails the build loudly, with asc\'s error, and leaves no stamp behind', () => {
    writeFileSync(path('assembly/lib/twice.ts'), 'export function twice(x: i32): i32 { return x + undefinedName; }\n');
    const r = build();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/undefinedName/);
    expect(r.stderr).toMatch(/build-wasm: asc .* failed \(exit code 1\)/);
    expect(existsSync(path(STAMP))).toBe(false);
    writeFileSync(path('assembly/lib/twice.ts'), TWICE);
    const fixed = build();
    expect(fixed.status).toBe(0);
    expect(fixed.stdout).toMatch(/compiling .*no stamp/);
  });

  it('an unknown argument is an error, not a build', () => {
    const r = build('--frce');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown argument --frce/);
  });
});

describe("the filter on asc's output", () => {
  it('drops exactly the "Last converge was suboptimal." lines and keeps every other line', () => {
    const asc = 'WARNING AS201: something\nLast converge was suboptimal.\n  in assembly/x.ts(1,2)\r\nLast converge was suboptimal.\r\nLast converge was suboptimal. (not quite)\nLast converge was suboptimal.';
    expect(quiet(asc)).toBe('WARNING AS201: something\n  in assembly/x.ts(1,2)\r\nLast converge was suboptimal. (not quite)\n');
  });
});
