import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { isProblemKind, PROBLEM_KINDS, problemType, ProblemError } from '../../lib/problem'
import { baseUrl } from '../base-url'
import { headers, response } from '../contract'
import type { AppEnv } from '../env'

const route = createRoute({
  method: 'get',
  path: '/problems/{kind}',
  operationId: 'getProblemType',
  summary: 'What a problem `type` means',
  description: 'Every problem answer has a `type` URI pointing here: a short page saying what went wrong and what to do.',
  security: [],
  request: { params: z.object({ kind: z.string().openapi({ example: 'unauthorized' }) }) },
  responses: {
    200: {
      description: 'An HTML page explaining the kind of problem',
      headers: headers('Cache-Control', 'X-Content-Type-Options', 'Content-Security-Policy'),
      content: { 'text/html': { schema: z.string() } },
    },
    404: response('NotFound'),
    500: response('InternalError'),
  },
})

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
/** The explanations use Markdown's `code`; nothing else needs rendering. */
const render = (s: string) => escapeHtml(s).replace(/`([^`]+)`/g, '<code>$1</code>')

export const problemTypes = new OpenAPIHono<AppEnv>().openapi(route, (c) => {
  const { kind } = c.req.valid('param')
  if (!isProblemKind(kind)) throw new ProblemError(404, 'not-found', `No problem type ${kind}.`)
  const { title, explanation } = PROBLEM_KINDS[kind]
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><h1>${escapeHtml(title)}</h1>
<p>${render(explanation)}</p>
<p>Problem type <code>${escapeHtml(problemType(baseUrl(c), kind))}</code> (RFC 9457 problem details, <code>application/problem+json</code>); the answer's <code>detail</code> says what happened in this case.</p>
</body></html>
`
  return c.html(html, 200, {
    // The text changes only with a deploy.
    'cache-control': 'public, max-age=3600',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'",
  })
})
