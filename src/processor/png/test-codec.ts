/**
 * For tests: the real codec (one instance per test file, as one per isolate in production) and
 * decode/encode calls that use it the way render.ts does, returning pixels copied out of its memory.
 */
import { Codec } from '../codec/codec'
import codecWasm from '../codec/codec.wasm?module'
import { decodePng, type DecodedPng } from './decoder'
import { encodePng, type RgbaPixels, type ZlibSettings } from './encoder'

let shared: Promise<Codec> | undefined
export const testCodec = (): Promise<Codec> => (shared ??= Codec.create(codecWasm))

/** decodePng with the codec's inflater and memory; `data` is a copy, so results of several decodes can be compared. */
export async function decodePngWithCodec(source: Uint8Array | ReadableStream<Uint8Array>, minWidth: number, minHeight: number, maxPixels?: number): Promise<DecodedPng> {
  const codec = await testCodec()
  codec.begin()
  try {
    const png = await decodePng(source, minWidth, minHeight, { inflater: codec.inflater, reserve: (n) => codec.reserve(n) }, maxPixels)
    return { ...png, data: png.data.slice() }
  } finally {
    codec.releaseReserved()
    codec.end()
  }
}

export async function encodePngWithCodec(pixels: RgbaPixels, zlib?: ZlibSettings): Promise<Uint8Array> {
  return encodePng(pixels, await testCodec(), zlib)
}
