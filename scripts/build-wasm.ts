/**
 * `npm run asbuild`: compiles assembly/ with asc to build/nnwasm.wasm (baseline SIMD, with
 * build/nnwasm.wat) and build/nnwasm-relaxed.wasm (relaxed SIMD), the two targets of
 * asconfig.json, then embeds both in src/backend/wasmBytes.ts (scripts/embed-wasm.ts).
 *
 * A build costs asc some 15–20 s, so it runs only when something it reads has changed: every file
 * under assembly/, asconfig.json, the installed assemblyscript version, embed-wasm.ts and the asc
 * command lines below. Their SHA-256s, and those of the two .wasm files and wasmBytes.ts the build
 * wrote, go to a stamp, build/.inputs-sha256 (git-ignored like the rest of build/). When the stamp
 * lists exactly what is there now, asc is skipped; a changed input, a deleted or changed output,
 * or a missing stamp rebuilds, so a clean clone (CI) always builds.
 *
 * asc's one known harmless line, "Last converge was suboptimal." (the `converge` option's last
 * round came out larger than the one before), is dropped; every other line asc prints is passed
 * on, and a failing asc fails the script, with no stamp left behind.
 *
 *   npm run asbuild                            # build if needed
 *   npm run asbuild -- --force                 # build anyway
 *   npx tsx scripts/build-wasm.ts --check      # exit 0 if up to date, 1 if a build is due; builds nothing
 *   npx tsx scripts/build-wasm.ts --ceiling    # bench's ceiling kernel instead (npm run asbuild:ceiling)
 *   --root=DIR                                 # a project folder other than this one (test/build.test.ts)
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { embedWasm } from './embed-wasm.ts';

/** one thing to build: an entry file compiled for some targets of an asconfig */
interface Recipe {
  /** the entry file, relative to the root */
  entry: string;
  /** the asconfig file, relative to the root */
  config: string;
  targets: string[];
  /** folders and files whose contents the build reads, relative to the root (the config is added) */
  inputs: string[];
  /** the stamp, relative to the root */
  stamp: string;
  /** write this module (relative to the root) from the outFiles of the first two targets */
  embed?: string;
  /** the npm script that runs this recipe */
  npmScript: string;
}

const RECIPES: Record<'nnwasm' | 'ceiling', Recipe> = {
  nnwasm: {
    entry: 'assembly/index.ts',
    config: 'asconfig.json',
    targets: ['release', 'relaxed'],
    inputs: ['assembly'],
    stamp: 'build/.inputs-sha256',
    embed: 'src/backend/wasmBytes.ts',
    npmScript: 'asbuild',
  },
  ceiling: {
    entry: 'bench/assembly/ceiling.ts',
    config: 'bench/assembly/asconfig.json',
    targets: ['baseline', 'relaxed'],
    inputs: ['bench/assembly', 'assembly'], // ceiling.ts imports assembly/gemm4x8Packed.ts
    stamp: 'build/.ceiling-inputs-sha256',
    npmScript: 'asbuild:ceiling',
  },
};

/** the only asc output line that is dropped */
const HARMLESS = 'Last converge was suboptimal.';

const require = createRequire(import.meta.url);
const ASC = require.resolve('assemblyscript/bin/asc.js');
const ASC_VERSION = (JSON.parse(readFileSync(require.resolve('assemblyscript/package.json'), 'utf8')) as { version: string }).version;
const EMBED_SCRIPT = fileURLToPath(new URL('./embed-wasm.ts', import.meta.url));

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const posix = (path: string) => path.split(sep).join('/');

/** every file under the folder `path`, root-relative with '/', sorted */
function filesUnder(root: string, path: string): string[] {
  const files: string[] = [];
  for (const e of readdirSync(join(root, path), { withFileTypes: true })) {
    const child = `${path}/${e.name}`;
    if (e.isDirectory()) files.push(...filesUnder(root, child));
    else if (e.isFile()) files.push(child);
  }
  return files.sort();
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** the asc command line (after `node asc.js`) of one target */
const ascArgs = (recipe: Recipe, target: string) => [recipe.entry, '--config', recipe.config, '--target', target];

/**
 * the files a skip relies on, root-relative: each target's outFile from the asconfig, and the
 * embedded module. (Not the textFile, build/nnwasm.wat: a by-product for reading, which other asc
 * runs in this folder may overwrite, since asc applies asconfig.json's release target by default.)
 */
function outputsOf(root: string, recipe: Recipe): { files: string[]; byTarget: Map<string, string> } {
  type Options = { outFile?: string };
  const config = JSON.parse(readFileSync(join(root, recipe.config), 'utf8')) as { targets: Record<string, Options>; options?: Options };
  const base = dirname(join(root, recipe.config));
  const files: string[] = [];
  const byTarget = new Map<string, string>();
  for (const target of recipe.targets) {
    const options = { ...config.options, ...config.targets[target] };
    if (!options.outFile) throw new Error(`${recipe.config}: target ${target} has no outFile`);
    const out = posix(relative(root, resolve(base, options.outFile)));
    byTarget.set(target, out);
    files.push(out);
  }
  if (recipe.embed) files.push(recipe.embed);
  return { files, byTarget };
}

/** name → digest for everything a build reads */
function inputsOf(root: string, recipe: Recipe): Map<string, string> {
  const entries = new Map<string, string>();
  for (const path of [...recipe.inputs, recipe.config]) {
    const files = isDirectory(join(root, path)) ? filesUnder(root, path) : existsSync(join(root, path)) ? [path] : [];
    if (files.length === 0) throw new Error(`build-wasm: ${join(root, path)} is missing`);
    for (const file of files) entries.set(file, sha256(readFileSync(join(root, file))));
  }
  entries.set('(assemblyscript version)', sha256(ASC_VERSION));
  entries.set('(asc command lines)', sha256(JSON.stringify(recipe.targets.map((t) => ascArgs(recipe, t)))));
  if (recipe.embed) entries.set('(scripts/embed-wasm.ts)', sha256(readFileSync(EMBED_SCRIPT)));
  return entries;
}

/** name → digest of the outputs that exist */
function outputsNow(root: string, files: string[]): Map<string, string> {
  const entries = new Map<string, string>();
  for (const file of files) if (existsSync(join(root, file))) entries.set(file, sha256(readFileSync(join(root, file))));
  return entries;
}

function readStamp(path: string): Map<string, string> | undefined {
  if (!existsSync(path)) return undefined;
  const entries = new Map<string, string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([0-9a-f]{64})  (.+)$/.exec(line);
    if (m) entries.set(m[2], m[1]);
  }
  return entries;
}

/** why the stamp does not describe what is there now, or undefined when it does */
function staleness(stamp: Map<string, string> | undefined, inputs: Map<string, string>, outputs: Map<string, string>, outputFiles: string[]): string | undefined {
  if (outputs.size === 0) return 'no build yet';
  const missing = outputFiles.filter((f) => !outputs.has(f));
  if (missing.length) return `${missing.join(', ')} missing`;
  if (!stamp) return 'no stamp of the last build';
  const changed: string[] = [];
  for (const [name, digest] of [...inputs, ...outputs]) if (stamp.get(name) !== digest) changed.push(name);
  for (const name of stamp.keys()) if (!inputs.has(name) && !outputs.has(name)) changed.push(name);
  if (changed.length === 0) return undefined;
  const shown = changed.slice(0, 4).join(', ');
  return `changed since the last build: ${shown}${changed.length > 4 ? ` and ${changed.length - 4} more` : ''}`;
}

interface AscRun {
  target: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** run asc for one target, its output captured with the harmless line removed */
function runAsc(root: string, recipe: Recipe, target: string): Promise<AscRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [ASC, ...ascArgs(recipe, target)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', fail);
    child.on('close', (code, signal) => done({ target, code, signal, stdout: quiet(Buffer.concat(out).toString()), stderr: quiet(Buffer.concat(err).toString()) }));
  });
}

/** the text without the lines that are exactly HARMLESS */
export function quiet(text: string): string {
  return text.split(/(?<=\n)/).filter((line) => line.replace(/\r?\n$/, '') !== HARMLESS).join('');
}

function writeAtomically(path: string, text: string): void {
  const partial = `${path}.${process.pid}.partial`;
  writeFileSync(partial, text);
  renameSync(partial, path);
}

export interface BuildOptions {
  root?: string;
  recipe?: keyof typeof RECIPES;
  force?: boolean;
  check?: boolean;
}

/** build if needed; returns the exit code. Messages go to stdout, asc's own output to where asc wrote it */
export async function buildWasm(options: BuildOptions = {}): Promise<number> {
  const root = resolve(options.root ?? fileURLToPath(new URL('..', import.meta.url)));
  const recipe = RECIPES[options.recipe ?? 'nnwasm'];
  const stampPath = join(root, recipe.stamp);
  const { files, byTarget } = outputsOf(root, recipe);
  const inputs = inputsOf(root, recipe);
  const why = options.force ? '--force' : staleness(readStamp(stampPath), inputs, outputsNow(root, files), files);
  const built = recipe.targets.map((t) => byTarget.get(t)).join(', ');

  if (!why) {
    console.log(`build-wasm: ${built} up to date, asc skipped (npm run ${recipe.npmScript} -- --force rebuilds)`);
    return 0;
  }
  if (options.check) {
    console.log(`build-wasm: ${built} due for a build: ${why}`);
    return 1;
  }

  console.log(`build-wasm: compiling ${recipe.entry} to ${built} (${why}); this takes asc a while`);
  const started = performance.now();
  rmSync(stampPath, { force: true });
  // the targets are independent processes: on two cores, compiling them side by side halves the wait
  const runs = await Promise.all(recipe.targets.map((t) => runAsc(root, recipe, t)));
  let failed = false;
  for (const run of runs) {
    process.stdout.write(run.stdout);
    process.stderr.write(run.stderr);
    if (run.code !== 0) {
      failed = true;
      console.error(`build-wasm: asc ${ascArgs(recipe, run.target).join(' ')} failed (${run.signal ? `signal ${run.signal}` : `exit code ${run.code}`})`);
    }
  }
  if (failed) return 1;

  if (recipe.embed) {
    const [baseline, relaxed] = recipe.targets.map((t) => join(root, byTarget.get(t)!));
    embedWasm(baseline, relaxed, join(root, recipe.embed));
  }
  const outputs = outputsNow(root, files);
  const missing = files.filter((f) => !outputs.has(f));
  if (missing.length) {
    console.error(`build-wasm: asc succeeded but did not write ${missing.join(', ')}`);
    return 1;
  }
  const lines = [...inputs, ...outputs].map(([name, digest]) => `${digest}  ${name}\n`).join('');
  writeAtomically(stampPath, `# written by scripts/build-wasm.ts: what the build read and wrote; delete it to force a rebuild\n${lines}`);
  console.log(`build-wasm: built in ${((performance.now() - started) / 1000).toFixed(1)} s${recipe.embed ? `, embedded in ${recipe.embed}` : ''}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const known = /^(--force|--check|--ceiling|--root=.+)$/;
  const unknown = args.filter((a) => !known.test(a));
  if (unknown.length) {
    console.error(`build-wasm: unknown argument ${unknown.join(' ')} (known: --force, --check, --ceiling, --root=DIR)`);
    process.exit(2);
  }
  process.exitCode = await buildWasm({
    root: args.find((a) => a.startsWith('--root='))?.slice('--root='.length),
    recipe: args.includes('--ceiling') ? 'ceiling' : 'nnwasm',
    force: args.includes('--force'),
    check: args.includes('--check'),
  });
}
