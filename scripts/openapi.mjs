// The OpenAPI document of the service, for tools that want a file:
//   node scripts/openapi.mjs dump <file>    the document /openapi.json serves
//   node scripts/openapi.mjs types <file>   its TypeScript types (openapi-typescript)
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { generateTypes, openApiDocument } from '@image-service/openapi-gen'

const root = join(import.meta.dirname, '..')
const [command, file] = process.argv.slice(2)
if (!file || (command !== 'dump' && command !== 'types')) {
  console.error('usage: node scripts/openapi.mjs dump|types <file>')
  process.exit(2)
}
const doc = await openApiDocument(root)
const text = command === 'dump' ? JSON.stringify(doc, null, 2) + '\n' : await generateTypes(doc)
await mkdir(dirname(file), { recursive: true })
await writeFile(file, text)
