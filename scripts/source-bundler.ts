/**
 * Bundles browser entry points with esbuild, in memory, with `import … from 'nnwasm'` resolved
 * to src/index.ts: the demo and the browser tests always run the current source, with no
 * dist/ build in between. (The packaging tests bundle the packed package instead.)
 */
import { context, type BuildContext } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

export interface SourceBundler {
  /** rebuild (incrementally) and return the outputs by url path, e.g. '/demo.js' */
  build(): Promise<Map<string, Uint8Array>>;
  dispose(): Promise<void>;
}

/** `entryPoints`: output name (e.g. 'demo' → /demo.js) → source file */
export async function sourceBundler(entryPoints: Record<string, string>): Promise<SourceBundler> {
  const ctx: BuildContext<{ write: false }> = await context({
    entryPoints,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: 'inline',
    write: false,
    outdir: '/',
    alias: { nnwasm: `${root}src/index.ts` },
    logLevel: 'warning',
  });
  return {
    async build() {
      const result = await ctx.rebuild();
      return new Map(result.outputFiles.map((f) => [f.path, f.contents]));
    },
    dispose: () => ctx.dispose(),
  };
}
