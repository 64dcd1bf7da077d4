/**
 * What each Worker ships, from `wrangler deploy --dry-run` (the bundles a deploy would upload): the
 * API Worker carries no codec (no WASM, no processor source); the processor Worker carries no HTTP
 * code (no Hono, no api/, upload/ or delivery/ source) and is not reachable on workers.dev.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../..')
const out = mkdtempSync(join(tmpdir(), 'bundles-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

function dryRun(config: string) {
  const dir = join(out, config)
  execFileSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', dir, '-c', config], { cwd: root, stdio: 'pipe' })
  const files = readdirSync(dir)
  const map = files.find((f) => f.endsWith('.js.map'))!
  const sources: string[] = JSON.parse(readFileSync(join(dir, map), 'utf8')).sources
  return { files, sources: sources.map((s) => s.replace(/^(\.\.\/)+/, '')) }
}

describe('deploy bundles', () => {
  it('the API Worker has no codec', () => {
    const api = dryRun('wrangler.toml')
    expect(api.files.filter((f) => f.endsWith('.wasm'))).toEqual([])
    expect(api.sources.filter((s) => s.startsWith('src/processor'))).toEqual([])
  })

  it('the processor Worker has the codec and no HTTP code, and no workers.dev address', () => {
    const processor = dryRun('wrangler.processor.toml')
    expect(processor.files.some((f) => f.endsWith('codec.wasm'))).toBe(true)
    expect(processor.sources.filter((s) => /^src\/(api|upload|delivery)\/|node_modules\/(hono|@hono)\//.test(s))).toEqual([])
    expect(readFileSync(join(root, 'wrangler.processor.toml'), 'utf8')).toMatch(/^workers_dev = false$/m)
  })
})
