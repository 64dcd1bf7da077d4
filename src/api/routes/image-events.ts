import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { streamSSE } from 'hono/streaming'
import { ProblemError } from '../../lib/problem'
import { loadImage } from '../../store/d1/images'
import { optionalUser } from '../auth'
import { describeImage } from '../describe'
import type { AppEnv } from '../env'
import { CORS_HEADERS, headers, response } from '../contract'

/** How often the stream looks at D1 (how long a stream may stay open is `EVENTS_MAX_SECONDS`). */
export const EVENTS_POLL_MS = 1000

const DONE = new Set(['completed', 'failed'])

const route = createRoute({
  method: 'get',
  path: '/images/{id}/events',
  operationId: 'getImageEvents',
  summary: "Live status of an image (Server-Sent Events)",
  description: [
    '`event: image`: the metadata, in the same shape as `GET /images/{id}`; sent on connect and whenever it changes.',
    'The stream ends after the event in which `status` is `completed` or `failed`.',
    'A stream lasts at most `EVENTS_MAX_SECONDS` (default 60 s): it then sends `event: timeout` with `{ "poll": "/images/{id}" }` and ends;',
    'the client should poll that URL (or reconnect). `event: gone` means the image was deleted meanwhile.',
    "A private image's stream answers only its owner (a token in `Authorization`, so from `fetch`, not `EventSource`); its URLs are signed afresh in every event.",
  ].join(' '),
  // Optional: anonymous (`{}`) or the owner's token.
  security: [{ bearer: [] }, {} as Record<string, string[]>],
  middleware: [optionalUser] as const,
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    200: {
      description: 'An event stream',
      headers: headers('Cache-Control', ...CORS_HEADERS),
      content: { 'text/event-stream': { schema: z.string().openapi({ example: 'event: image\ndata: {"id":"…","status":"processing",…}\n\n' }) } },
    },
    400: response('BadRequest'),
    401: response('Unauthorized'),
    404: response('NotFound'),
    500: response('InternalError'),
  },
})

// Polling D1 inside the stream keeps the writers (upload, processor) unaware of
// listeners; one indexed read a second per open stream is cheap, and bounded.
export const imageEvents = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const { id } = c.req.valid('param')
  const store = c.get('store')
  const found = await loadImage(store, id)
  const owner = found !== null && c.get('userId') === found.image.userId
  if (!found || (found.image.private && !owner)) throw new ProblemError(404, 'not-found', `No image with id ${id}.`)
  const audience = owner ? 'owner' : 'public'
  const res = streamSSE(c, async (stream) => {
    const until = Date.now() + c.get('config').eventsMaxMs
    let current = await describeImage(c, found, audience)
    let sent = ''
    for (;;) {
      const data = JSON.stringify(current)
      if (data !== sent) {
        await stream.writeSSE({ event: 'image', data })
        sent = data
      }
      if (DONE.has(current.status)) return
      if (Date.now() >= until) {
        await stream.writeSSE({ event: 'timeout', data: JSON.stringify({ poll: `/images/${id}` }) })
        return
      }
      await stream.sleep(EVENTS_POLL_MS)
      if (stream.aborted) return
      const next = await loadImage(store, id)
      if (!next) {
        await stream.writeSSE({ event: 'gone', data: JSON.stringify({ id }) })
        return
      }
      current = await describeImage(c, next, audience)
    }
  })
  // streamSSE sets `no-cache`; a status stream must not be stored at all.
  res.headers.set('cache-control', 'no-store')
  return res
})
