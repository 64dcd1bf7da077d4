/**
 * The PNG encoder (jsquash's Rust png), instantiated once per isolate from a
 * module wrangler compiled at deploy time (workerd forbids compiling bytes at
 * run time). JPEG decoding, encoding and resizing live in our own module
 * (jpeg/decoder.ts), PNG decoding in png/.
 */
import initPng, { encode as pngEncodeRaw } from '@jsquash/png/codec/pkg/squoosh_png.js'
import pngWasm from '@jsquash/png/codec/pkg/squoosh_png_bg.wasm?module'

let png: Promise<unknown> | undefined

/** Only PNG output needs it: JPEG jobs never instantiate it (nor grow its memory). */
export function initPngEncoder(): Promise<unknown> {
  png ??= initPng(pngWasm)
  return png
}

export { pngEncodeRaw }
