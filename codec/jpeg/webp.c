/*
 * Lossy WebP encoder for WebAssembly: Debian's libwebp (1.2.4), RGBA8 in
 * (straight from the codec's memory: a resizer's output, no copy into JS),
 * VP8 + ALPH out. libwebp drops an alpha channel that is opaque everywhere.
 * No threads: one per isolate. Its allocations share the codec's malloc, so an
 * encode reuses the memory the decode freed (docs/memory-plan.md).
 */
#include <stdlib.h>
#include <string.h>

#include "webp/encode.h"

#define EXPORT(name) __attribute__((export_name(name)))

static WebPMemoryWriter writer;
static int writer_ready;

EXPORT("we_output") const unsigned char *we_output(void) { return writer.mem; }

/* Frees the last output. */
EXPORT("we_release") void we_release(void) {
  if (writer_ready) WebPMemoryWriterClear(&writer);
  writer_ready = 0;
}

/* Encodes width x height RGBA8 pixels at quality 0-100 and method 0-6 (libwebp's
 * speed/size trade-off, sharp's "effort"); returns the file's size (bytes at
 * we_output(), valid until we_release or the next call), or -(WebPEncodingError). */
EXPORT("we_encode") int we_encode(const unsigned char *rgba, int width, int height, float quality, int method) {
  WebPConfig config;
  WebPPicture picture;
  we_release();
  if (!WebPConfigPreset(&config, WEBP_PRESET_DEFAULT, quality)) return -100;
  config.method = method;
  if (!WebPValidateConfig(&config) || !WebPPictureInit(&picture)) return -101;
  picture.width = width;
  picture.height = height;
  if (!WebPPictureImportRGBA(&picture, rgba, width * 4)) {
    WebPPictureFree(&picture);
    return -(int)picture.error_code;
  }
  WebPMemoryWriterInit(&writer);
  writer_ready = 1;
  picture.writer = WebPMemoryWrite;
  picture.custom_ptr = &writer;
  int ok = WebPEncode(&config, &picture);
  int error = picture.error_code;
  WebPPictureFree(&picture);
  if (!ok) {
    we_release();
    return -(error ? error : 102);
  }
  return (int)writer.size;
}
