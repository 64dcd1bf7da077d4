import { execFile } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { generateTypes, openApiDocument } from '@image-service/openapi-gen'
import { beforeAll, describe, expect, it } from 'vitest'

// The document /openapi.json serves, checked with the tools its users run on it.
const run = promisify(execFile)
const root = join(import.meta.dirname, '..', '..')
let doc: Record<string, unknown>
beforeAll(async () => {
  doc = await openApiDocument(root)
})

interface LintProblem {
  ruleId: string
  severity: 'error' | 'warn'
  message: string
  ignored?: boolean
  location: { pointer: string }[]
}

describe('/openapi.json', () => {
  it('passes redocly lint with the recommended rules (redocly.yaml)', async () => {
    const file = join(root, 'dist', 'openapi.json')
    await mkdir(join(root, 'dist'), { recursive: true })
    await writeFile(file, JSON.stringify(doc, null, 2))
    // Exit code 1 on errors: the JSON report says which, so read it either way.
    const out = await run('npx', ['redocly', 'lint', 'dist/openapi.json', '--format=json'], { cwd: root }).catch((err: { stdout: string }) => err)
    const report = JSON.parse(out.stdout) as { problems: LintProblem[] }
    const open = report.problems.filter((p) => !p.ignored).map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`)
    // The project has no licence yet; that is the one warning it may have.
    expect(open.filter((p) => !p.startsWith('warn info-license '))).toEqual([])
  })

  it('has the types committed in test/openapi/schema.d.ts (`npm run openapi:types` after changing the spec)', async () => {
    const committed = await readFile(join(root, 'test', 'openapi', 'schema.d.ts'), 'utf8')
    expect(await generateTypes(doc)).toBe(committed)
  })
})
