/** Upload bodies that only a streaming reader handles right: late JPEG headers, no Content-Length, a client that goes away. */
import { fixture } from '../fixtures'

export const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** A JPEG with `size` bytes of APP15 segments right after SOI, before its frame header. */
export function jpegWithLateHeader(size: number) {
  const jpeg = fixture('generated/photo-4000x3000.jpg')
  const segments: Uint8Array[] = []
  for (let left = size; left > 0; left -= 65533) {
    const n = Math.min(left, 65533)
    segments.push(new Uint8Array([0xff, 0xef, (n + 2) >> 8, (n + 2) & 0xff]), new Uint8Array(n))
  }
  return concat(jpeg.subarray(0, 2), ...segments, jpeg.subarray(2))
}

/** The same body sent as a stream (no Content-Length), optionally failing after `failAfter` bytes. */
export function streamed(req: Request, bytes: Uint8Array, failAfter?: number) {
  let at = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (failAfter !== undefined && at >= failAfter) return controller.error(new Error('client went away'))
      if (at >= bytes.length) return controller.close()
      controller.enqueue(bytes.slice(at, at + 65536))
      at += 65536
    },
  })
  const headers = { authorization: req.headers.get('authorization')!, 'content-type': req.headers.get('content-type')! }
  return new Request(req.url, { method: 'POST', headers, body, duplex: 'half' } as RequestInit)
}
