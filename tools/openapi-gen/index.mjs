import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import openapiTS, { astToString } from 'openapi-typescript'

/** Where `npm start` serves the API; the document's `servers` entry names the origin it was fetched from. */
export const LOCAL_ORIGIN = 'http://127.0.0.1:8787'

/**
 * The document exactly as the service serves it: the app is bundled and asked
 * for `/openapi.json` in Node (building the document touches no binding).
 */
export async function openApiDocument(root) {
  const dir = await mkdtemp(join(tmpdir(), 'openapi-'))
  try {
    const out = join(dir, 'app.mjs')
    await build({ entryPoints: [join(root, 'src/api/app.ts')], bundle: true, format: 'esm', platform: 'neutral', outfile: out, logLevel: 'error', mainFields: ['module', 'main'] })
    const { app } = await import(pathToFileURL(out).href)
    // The app logs each request as a JSON line; a dump prints nothing but the document.
    const log = console.log
    console.log = () => {}
    const res = await app.request(`${LOCAL_ORIGIN}/openapi.json`, {}, await shippedEnv(root)).finally(() => (console.log = log))
    if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}: ${await res.text()}`)
    return await res.json()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * The API Worker's env as wrangler.toml ships it: its [vars] (the app validates them), and a rate
 * limiter that allows everything (building the document touches no binding).
 */
async function shippedEnv(root) {
  const toml = await readFile(join(root, 'wrangler.toml'), 'utf8')
  const section = /^\[vars\]\n([\s\S]*?)(?=^\[)/m.exec(toml)?.[1] ?? ''
  const vars = Object.fromEntries([...section.matchAll(/^([A-Z_]+) = "(.*)"$/gm)].map((m) => [m[1], m[2]]))
  // The signing key is a secret, never in wrangler.toml; writing the document signs nothing.
  return { ...vars, URL_SIGNING_KEY: 'x'.repeat(32), UPLOAD_RATE_LIMITER: { limit: async () => ({ success: true }) } }
}

/** TypeScript types of the document for openapi-fetch; binary form fields are `Blob`, so a file goes in without a cast. */
export async function generateTypes(doc) {
  const ts = (await import('typescript')).default
  const nodes = await openapiTS(doc, {
    transform(schema) {
      if (schema.format === 'binary') return ts.factory.createTypeReferenceNode('Blob')
    },
  })
  return '// Generated from /openapi.json by `npm run openapi:types` (openapi-typescript); do not edit.\n\n' + astToString(nodes)
}
