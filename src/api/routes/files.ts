import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { MIME_TYPES } from '../../formats/registry'
import { parseFileKey } from '../../store/files'
import { headers, response } from '../contract'
import type { AppEnv } from '../env'
import { checkAccess, fileNotFound, fileResponse } from '../file-response'

/** Delivery: `/files/{key}`, immutable files from R2 through the edge cache. */
export const files = new OpenAPIHono<AppEnv>()

const fileRequest = {
  params: z.object({
    imageId: z.string().openapi({ example: '6f1c2e0a-8a53-4c1e-9d55-0b8e7b6f2a10' }),
    file: z.string().openapi({ example: 'large_1440x1080_ab12cd34ef567890.jpg' }),
  }),
  headers: z.object({
    Range: z.string().optional().openapi({ description: 'One byte range, e.g. `bytes=0-1023`, `bytes=1024-` or `bytes=-500`; several ranges are answered with the whole file.' }),
    'If-None-Match': z.string().optional().openapi({ description: 'ETags the client has; a match answers 304.' }),
    'If-Range': z.string().optional().openapi({ description: 'Serve `Range` only if the file still has this ETag, else the whole file.' }),
  }),
  query: z.object({
    exp: z.string().optional().openapi({ description: "A private image's signed URL: its expiry (Unix seconds)." }),
    sig: z.string().optional().openapi({ description: "A private image's signed URL: base64url HMAC-SHA256 of the path and `exp`." }),
  }),
}
// Age and CF-Cache-Status come with answers from the edge cache (the Cache API adds them).
const fileHeaders = headers('ETag', 'Cache-Control', 'Accept-Ranges', 'Content-Length', 'X-Content-Type-Options', 'Content-Security-Policy', 'Age', 'CF-Cache-Status')
const binary = { schema: z.string().openapi({ format: 'binary' }) }
const fileContent = Object.fromEntries(MIME_TYPES.map((type) => [type, binary]))
const fileResponses = (withBody: boolean) => ({
  200: { description: 'The file', headers: fileHeaders, ...(withBody ? { content: fileContent } : {}) },
  206: {
    description: 'One byte range of the file',
    headers: { ...fileHeaders, ...headers('Content-Range') },
    ...(withBody ? { content: fileContent } : {}),
  },
  304: { description: 'Not modified (If-None-Match matched)', headers: headers('ETag', 'Cache-Control', 'Accept-Ranges', 'X-Content-Type-Options', 'Content-Security-Policy', 'Age', 'CF-Cache-Status') },
  403: response('Forbidden'),
  404: response('NotFound'),
  416: response('RangeNotSatisfiable'),
  500: response('InternalError'),
})
const fileDescription = 'URLs come from image metadata; they never change meaning, so answers are cached for a year (and at the edge). A private image\'s files need the signed URL of its metadata (403 otherwise); they are cached at the edge without the signature, and by the browser only until `exp`.'

files.openAPIRegistry.registerPath({
  method: 'get',
  path: '/files/{imageId}/{file}',
  operationId: 'getFile',
  summary: 'An original or variant file (immutable, edge-cached)',
  description: `${fileDescription} Supports If-None-Match (304) and single byte ranges (206).`,
  security: [],
  request: fileRequest,
  responses: fileResponses(true),
})

files.openAPIRegistry.registerPath({
  method: 'head',
  path: '/files/{imageId}/{file}',
  operationId: 'headFile',
  summary: "A file's headers (size, ETag) without its bytes",
  description: fileDescription,
  security: [],
  request: fileRequest,
  responses: fileResponses(false),
})

async function serveFile(c: Context<AppEnv>): Promise<Response> {
  const key = c.req.path.slice('/files/'.length)
  const parsed = parseFileKey(key)
  if (!parsed) return fileNotFound(c)
  const access = await checkAccess(c, c.req.path)
  if (access instanceof Response) return access
  return (await fileResponse(c, key, parsed.format, {}, access)) ?? fileNotFound(c)
}

files.on(['GET', 'HEAD'], '/files/*', serveFile)
