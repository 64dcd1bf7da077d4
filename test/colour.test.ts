/**
 * Colour management end to end: each profile-tagged original is uploaded, its
 * variants made by the queue consumer, read back with an independent decoder,
 * and their colours compared with ImageMagick's colour-managed sRGB rendering
 * of the same file (test/fixtures/colour/expected.json, a 16x12 grid of block
 * means). A broken profile must give a completed image read as sRGB.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { meanDeltaE76 } from './colour-difference'
import { fixture } from './fixtures'
import { call, captureQueue, createUser, runQueue, uploadRequest } from './helpers'
import { downscale, referenceDecode } from './reference'

/** Mean CIE76 over the grid; JPEG re-encoding and resampling stay well under it, a dropped profile is 5-20. */
const MAX_MEAN_DELTA_E = 2

const expected: { grid: [number, number]; colours: Record<string, number[]> } = JSON.parse(new TextDecoder().decode(fixture('colour/expected.json')))

let token: string
beforeAll(async () => ({ token } = await createUser()))
const queue = captureQueue()

describe('colour-managed variants', () => {
  it.each(Object.keys(expected.colours))('%s: every variant is sRGB with the reference colours', async (name) => {
    const res = await call(uploadRequest(token, fixture(`colour/${name}`)))
    expect(res.status).toBe(202)
    const { id } = await res.json<{ id: string }>()
    const lines: string[] = []
    const real = console.log.bind(console)
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '))
      real(...args)
    })
    try {
      await runQueue(queue.take())
    } finally {
      log.mockRestore()
    }
    const fallbacks = lines.filter((line) => line.includes('"colour.fallback"'))
    // A broken profile is logged (once per variant job) and read as sRGB; a good one is never logged.
    if (name.startsWith('broken')) expect(fallbacks[0]).toContain(id)
    else expect(fallbacks).toEqual([])
    const meta = await (await call(`/images/${id}`)).json<any>()
    expect(meta.status).toBe('completed')
    expect(meta.variants).toHaveLength(3)
    const [w, h] = expected.grid
    const errors: string[] = []
    for (const v of meta.variants) {
      const decoded = await referenceDecode(new Uint8Array(await (await call(new Request(v.url))).arrayBuffer()))
      const dE = meanDeltaE76(downscale(decoded, w, h), expected.colours[name]!, 4, 3)
      if (!(dE <= MAX_MEAN_DELTA_E)) errors.push(`${v.name} ${decoded.width}x${decoded.height}: mean dE76 ${dE.toFixed(2)}`)
    }
    expect(errors).toEqual([])
  })
})
