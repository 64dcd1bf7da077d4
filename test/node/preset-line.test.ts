/**
 * Adding a variant size is a one-line change: in a copy of the repo, one line is added to the
 * preset list (src/formats/presets.ts) and nothing else; the workerd test of every preset
 * (test/variants.test.ts) then uploads an image and finds the new variant made, recorded and
 * delivered (its key accepted by delivery, its message by the queue schema).
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../..')
const copy = mkdtempSync(join(tmpdir(), 'preset-line-'))
afterAll(() => rmSync(copy, { recursive: true, force: true }))

it('a preset added in one line gets its variant end to end', () => {
  for (const entry of ['src', 'test', 'migrations', 'public', 'package.json', 'tsconfig.json', 'vitest.config.ts', 'wrangler.toml', 'wrangler.processor.toml', 'worker-configuration.d.ts', 'processor-configuration.d.ts']) {
    cpSync(join(root, entry), join(copy, entry), { recursive: true })
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'))

  const file = join(copy, 'src/formats/presets.ts')
  const before = readFileSync(file, 'utf8')
  const anchor = /^ {2}\{ name: 'medium', width: 800, height: 600, (formats: .*) \},\n/m.exec(before)
  expect(anchor, 'the medium preset line').not.toBeNull()
  const after = before.replace(anchor![0], `${anchor![0]}  { name: 'small', width: 400, height: 300, ${anchor![1]} },\n`)
  expect(after.split('\n').length - before.split('\n').length).toBe(1)
  writeFileSync(file, after)

  const run = spawnSync('npx', ['vitest', 'run', 'test/variants.test.ts'], { cwd: copy, encoding: 'utf8', timeout: 170_000 })
  const output = `${run.stdout}\n${run.stderr}`
  expect(run.status, output).toBe(0)
  expect(output).toMatch(/1 passed/)
})
