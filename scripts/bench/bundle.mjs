/**
 * Bundles the processor exactly as the Worker runs it (src/processor/render.ts
 * and the same .wasm files) into one ES module for Node, so the benchmark and
 * the Node quality test measure the Worker's code, not a re-implementation.
 *
 * wrangler hands `*.wasm?module` imports over as compiled modules; here each
 * becomes `new WebAssembly.Module(readFileSync(path))`, the same bytes.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import * as esbuild from 'esbuild'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
/** BENCH_SOURCE=<dir>: bundle the processor from another checkout (e.g. `git archive` of an older commit) to compare before/after. */
const source = process.env.BENCH_SOURCE ? resolve(process.env.BENCH_SOURCE) : root

const wasmModules = {
  name: 'wasm-module',
  setup(build) {
    build.onResolve({ filter: /\.wasm\?module$/ }, async (args) => {
      const bare = args.path.slice(0, -'?module'.length)
      const found = await build.resolve(bare, { kind: args.kind, resolveDir: args.resolveDir })
      if (found.errors.length) return { errors: found.errors }
      return { path: found.path, namespace: 'wasm-module' }
    })
    build.onLoad({ filter: /.*/, namespace: 'wasm-module' }, (args) => ({
      contents: `import { readFileSync } from 'node:fs'\nexport default new WebAssembly.Module(readFileSync(${JSON.stringify(args.path)}))\n`,
      loader: 'js',
    }))
  },
}

/**
 * Builds src/processor/render.ts into node_modules/.cache/processor-bench/ and
 * imports it. Returns the module: renderVariants, ... and PRESETS.
 */
export async function loadProcessor() {
  return loadModules(`export * from './src/processor/render.ts'\nexport { PRESETS } from './src/formats/presets.ts'\nexport { planDecode } from './src/formats/plan.ts'\nexport { sniffImage } from './src/formats/sniff.ts'\nexport { estimateQuality, luminanceTable } from './src/formats/jpeg-quality.ts'\n`)
}

/** Bundles `contents` (TypeScript re-exports relative to the source root) the same way and imports it. */
export async function loadModules(contents) {
  const outdir = resolve(root, 'node_modules/.cache/processor-bench')
  mkdirSync(outdir, { recursive: true })
  const outfile = resolve(outdir, `render-${process.pid}-${Date.now()}.mjs`)
  await esbuild.build({
    // render.ts as the Worker imports it, plus the presets the Worker uses.
    stdin: {
      contents,
      resolveDir: source,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile,
    plugins: [wasmModules],
    logLevel: 'warning',
  })
  try {
    return await import(pathToFileURL(outfile).href)
  } finally {
    // Loaded: the file is no longer needed (a fresh name per run avoids Node's module cache).
    rmSync(outfile, { force: true })
  }
}
