// Open-loop upload generator. Request i is due at t0 + i/rate whether or not
// earlier ones have answered (no connection limit), and its latency is counted
// from that due time, so a stalled server cannot hide its stall by slowing the
// client down (no coordinated omission). Past maxInFlight unanswered uploads
// (500 MB of bodies) a due upload is not sent and counts as an error: the
// service is not keeping up, and buffering more would only exhaust memory.
import { Agent, request } from 'node:http'
import { randomBytes } from 'node:crypto'

const BOUNDARY = '----bench' + randomBytes(8).toString('hex')

/** A ready-to-send multipart body per image, built once so the client does no work per request. */
export function multipartBodies(images) {
  return images.map((img) => {
    const head = Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${img.name}"\r\nContent-Type: image/jpeg\r\n\r\n`,
    )
    const tail = Buffer.from(`\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="fileName"\r\n\r\n${img.name}\r\n--${BOUNDARY}--\r\n`)
    return Buffer.concat([head, img.bytes, tail])
  })
}

/** The `detail` of an RFC 9457 answer, else the start of the body. */
function problemDetail(text) {
  try {
    const p = JSON.parse(text)
    if (p.detail || p.title) return p.detail ?? p.title
  } catch {}
  return text.slice(0, 160)
}

export async function uploadOpenLoop({ base, tokens, bodies, rate, seconds, maxInFlight = 500, timeoutMs = 60_000, onTick }) {
  const url = new URL('/images', base)
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity })
  const total = Math.round(rate * seconds)
  const interval = 1000 / rate
  const results = []
  const ids = []
  let inFlight = 0
  let sent = 0
  let answered = 0
  let done
  const allDone = new Promise((r) => (done = r))
  const finish = () => {
    answered++
    if (answered === total) done()
  }

  const send = (i, due) => {
    if (inFlight >= maxInFlight) {
      results.push({ due, start: due, end: performance.now(), status: 0, error: 'client in-flight cap' })
      finish()
      return
    }
    inFlight++
    sent++
    const body = bodies[i % bodies.length]
    const start = performance.now()
    const req = request(url, {
      method: 'POST',
      agent,
      headers: {
        authorization: `Bearer ${tokens[i % tokens.length]}`,
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        'content-length': body.length,
      },
      timeout: timeoutMs,
    })
    let settled = false
    const settle = (status, error, text) => {
      if (settled) return
      settled = true
      inFlight--
      const end = performance.now()
      results.push({ due, start, end, status, error })
      if (status === 202) {
        try {
          ids.push(JSON.parse(text).id)
        } catch {}
      }
      finish()
    }
    req.on('response', (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString()
        settle(res.statusCode, res.statusCode === 202 ? null : `HTTP ${res.statusCode}: ${problemDetail(text)}`, text)
      })
      res.on('error', (e) => settle(0, String(e)))
    })
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)))
    req.on('error', (e) => settle(0, String(e.message ?? e)))
    req.end(body)
  }

  const t0 = performance.now() + 20
  let next = 0
  const tick = setInterval(() => onTick?.({ sent, answered, inFlight, ok: ids.length, elapsed: (performance.now() - t0) / 1000 }), 5000)
  await new Promise((resolve) => {
    const loop = () => {
      const now = performance.now()
      while (next < total && t0 + next * interval <= now) {
        send(next, t0 + next * interval)
        next++
      }
      if (next >= total) return resolve()
      setTimeout(loop, Math.max(0, t0 + next * interval - performance.now()))
    }
    setTimeout(loop, 20)
  })
  const sendingEnded = performance.now()
  await allDone
  clearInterval(tick)
  agent.destroy()
  const lastEnd = Math.max(...results.map((r) => r.end))
  return { t0, total, sendingSeconds: (sendingEnded - t0) / 1000, spanSeconds: (lastEnd - t0) / 1000, results, ids }
}
