/**
 * vitest globalSetup: a real HTTP webhook receiver on 127.0.0.1 for the workerd tests (which cannot
 * listen themselves). `POST /<name>` records the request and answers 204; `POST /<name>?status=N`
 * answers N instead; `?fail=K` fails the first K requests to that name with 500. `GET /<name>` lists
 * what was received there: `[{ headers, body }]`. Tests get its base URL with `inject('webhookReceiver')`.
 */
import { createServer } from 'node:http'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    webhookReceiver: string
  }
}

export default async function setup(project: TestProject) {
  const received = new Map<string, { headers: Record<string, string>; body: string }[]>()
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://receiver')
    const name = url.pathname
    if (req.method === 'GET') {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(received.get(name) ?? []))
      return
    }
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      const list = received.get(name) ?? []
      list.push({ headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])), body })
      received.set(name, list)
      const fail = Number(url.searchParams.get('fail') ?? 0)
      const status = list.length <= fail ? 500 : Number(url.searchParams.get('status') ?? 204)
      res.statusCode = status
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  project.provide('webhookReceiver', `http://127.0.0.1:${port}`)
  return () => new Promise<void>((resolve) => server.close(() => resolve()))
}
