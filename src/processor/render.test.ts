import { describe, expect, it } from 'vitest'
import { fixture } from '../../test/fixtures'
import { PRESETS } from '../formats/presets'
import { ImageDecodeError } from './errors'
import { renderVariants, type RenderedVariant } from './render'

const options = { maxPixels: 100_000_000 }
const all = async (gen: AsyncGenerator<RenderedVariant>) => {
  const out: RenderedVariant[] = []
  for await (const v of gen) out.push(v)
  return out
}

describe('renderVariants', () => {
  it('gives the same variants when two jobs interleave in one isolate (as two queue batches can)', async () => {
    const a = fixture('generated/photo-4000x3000.jpg')
    const b = fixture('exif-orientation/Portrait_6.jpg')
    const alone = { a: await all(renderVariants(a, PRESETS, options)), b: await all(renderVariants(b, PRESETS, options)) }

    // Job A makes its large variant and waits (as for an R2 put) while job B runs start to finish.
    const jobA = renderVariants(a, PRESETS, options)
    const firstOfA = (await jobA.next()).value as RenderedVariant
    const jobB = await all(renderVariants(b, PRESETS, options))
    const restOfA = await all(jobA)

    expect([firstOfA, ...restOfA]).toEqual(alone.a)
    expect(jobB).toEqual(alone.b)
  })

  it("does not fail one job because another job's file was corrupt", async () => {
    const good = fixture('generated/photo-4000x3000.jpg')
    const whole = fixture('exif-orientation/Landscape_1.jpg')
    const corrupt = whole.slice(0, whole.length >> 1)
    const alone = await all(renderVariants(good, PRESETS, options))

    const job = renderVariants(good, PRESETS, options)
    const first = (await job.next()).value as RenderedVariant
    await expect(all(renderVariants(corrupt, PRESETS, options))).rejects.toBeInstanceOf(ImageDecodeError)
    expect([first, ...(await all(job))]).toEqual(alone)
  })
})
