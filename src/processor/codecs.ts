/**
 * The WASM encoders and resizer (decoders live in jpeg/ and png/), each instantiated once per isolate from a module that
 * wrangler compiled at deploy time (workerd forbids compiling bytes at run time).
 */
import jpegEncode, { init as initJpegEncode } from '@jsquash/jpeg/encode.js'
import jpegEncWasm from '@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm?module'
import initPng, { encode as pngEncodeRaw } from '@jsquash/png/codec/pkg/squoosh_png.js'
import pngWasm from '@jsquash/png/codec/pkg/squoosh_png_bg.wasm?module'
import initResize, { resize as resizeRaw } from '@jsquash/resize/lib/resize/pkg/squoosh_resize.js'
import resizeWasm from '@jsquash/resize/lib/resize/pkg/squoosh_resize_bg.wasm?module'

let ready: Promise<unknown> | undefined

export function initCodecs(): Promise<unknown> {
  ready ??= Promise.all([
    initJpegEncode(jpegEncWasm),
    initPng(pngWasm),
    initResize(resizeWasm),
  ])
  return ready
}

export { jpegEncode, pngEncodeRaw, resizeRaw }
