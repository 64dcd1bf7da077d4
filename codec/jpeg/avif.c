/*
 * The codec's AVIF encoder: Debian's libavif (0.11.1) on Debian's libaom
 * (3.6.0, encoder only, no threads). RGBA8 in (read straight from WASM memory,
 * no copy into JS), one still image out: 8-bit 4:2:0 YUV, sRGB CICP 1/13/6
 * (BT.709 primaries, sRGB transfer, BT.601 matrix) full range, plus a
 * monochrome AV1 alpha image when the input has a non-opaque alpha channel.
 *
 * Settings follow sharp (libvips -> libheif -> libaom) so that a quality means
 * the same: libaom all-intra usage (libavif 0.11.1 picks AOM_USAGE_ALL_INTRA
 * for a single image, at every speed), end-usage q, min/max quantizer 0/63,
 * cq-level = ((100 - quality) * 63 + 50) / 100 (libheif's mapping, for colour
 * and alpha alike), tune ssim (libavif's and libheif's default), 4:2:0,
 * libheif's default CICP. speed = libaom cpu-used (sharp effort e = 9 - e).
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "avif/avif.h"

#define EXPORT(name) __attribute__((export_name(name)))

static avifRWData output = AVIF_DATA_EMPTY;

static avifImage *create_image(int width, int height, int hasAlpha) {
  avifImage *image = avifImageCreate(width, height, 8, AVIF_PIXEL_FORMAT_YUV420);
  if (!image) return NULL;
  image->colorPrimaries = AVIF_COLOR_PRIMARIES_BT709;
  image->transferCharacteristics = AVIF_TRANSFER_CHARACTERISTICS_SRGB;
  image->matrixCoefficients = AVIF_MATRIX_COEFFICIENTS_BT601;
  image->yuvRange = AVIF_RANGE_FULL;
  if (avifImageAllocatePlanes(image, hasAlpha ? AVIF_PLANES_ALL : AVIF_PLANES_YUV) != AVIF_RESULT_OK) {
    avifImageDestroy(image);
    return NULL;
  }
  return image;
}

/* Extra libaom options (aom_codec_set_option names, e.g. "tile-columns"),
 * applied to every later encode until ae_clear_options(); for experiments. */
#define MAX_OPTIONS 16
static char *option_keys[MAX_OPTIONS];
static char *option_values[MAX_OPTIONS];
static int option_count;

EXPORT("ae_output") const uint8_t *ae_output(void) { return output.data; }

/* Frees the last output. */
EXPORT("ae_release") void ae_release(void) { avifRWDataFree(&output); }

/* Copies key and value (NUL-terminated strings in WASM memory); returns 0, or -1 when full. */
EXPORT("ae_set_option") int ae_set_option(const char *key, const char *value) {
  if (option_count >= MAX_OPTIONS) return -1;
  option_keys[option_count] = strdup(key);
  option_values[option_count] = strdup(value);
  option_count++;
  return 0;
}

EXPORT("ae_clear_options") void ae_clear_options(void) {
  for (int i = 0; i < option_count; i++) {
    free(option_keys[i]);
    free(option_values[i]);
  }
  option_count = 0;
}

/* libheif's quality (0-100) -> libaom cq-level (0-63). */
static int cq_level(int quality) {
  if (quality < 0) quality = 0;
  if (quality > 100) quality = 100;
  return ((100 - quality) * 63 + 50) / 100;
}

/* Encodes width x height RGBA8 pixels at quality 0-100 (sharp's scale) and
 * speed 0-9 (libaom cpu-used). hasAlpha = 0 ignores the alpha bytes; with 1 an
 * alpha image is written unless every alpha byte is 255. Returns the file's
 * size (bytes at ae_output(), valid until ae_release or the next call), or
 * -(avifResult) (-1000 for bad arguments, -1001 when out of memory).
 * rgba is only read (the codec's variant, which the next resize reads again). */
EXPORT("ae_encode") int ae_encode(const uint8_t *rgba, int width, int height, int quality, int speed, int hasAlpha) {
  ae_release();
  if (!rgba || width <= 0 || height <= 0 || width > 16384 || height > 16384) return -1000;

  avifImage *image = create_image(width, height, hasAlpha);
  if (!image) return -1001;

  avifRGBImage rgb;
  avifRGBImageSetDefaults(&rgb, image);
  rgb.format = AVIF_RGB_FORMAT_RGBA;
  rgb.depth = 8;
  rgb.pixels = (uint8_t *)rgba; /* only read */
  rgb.rowBytes = (uint32_t)width * 4;
  rgb.ignoreAlpha = hasAlpha ? AVIF_FALSE : AVIF_TRUE;
  avifResult result = avifImageRGBToYUV(image, &rgb);
  if (result != AVIF_RESULT_OK) {
    avifImageDestroy(image);
    return -(int)result;
  }

  avifEncoder *encoder = avifEncoderCreate();
  if (!encoder) {
    avifImageDestroy(image);
    return -1001;
  }
  encoder->codecChoice = AVIF_CODEC_CHOICE_AOM;
  encoder->maxThreads = 1;
  encoder->speed = speed < 0 ? 0 : speed > 9 ? 9 : speed;
  encoder->minQuantizer = 0;
  encoder->maxQuantizer = 63;
  encoder->minQuantizerAlpha = 0;
  encoder->maxQuantizerAlpha = 63;
  char cq[8];
  snprintf(cq, sizeof cq, "%d", cq_level(quality));
  avifEncoderSetCodecSpecificOption(encoder, "cq-level", cq);
  avifEncoderSetCodecSpecificOption(encoder, "end-usage", "q");
  for (int i = 0; i < option_count; i++) avifEncoderSetCodecSpecificOption(encoder, option_keys[i], option_values[i]);

  result = avifEncoderWrite(encoder, image, &output);
  avifEncoderDestroy(encoder);
  avifImageDestroy(image);
  if (result != AVIF_RESULT_OK) {
    ae_release();
    return -(int)result;
  }
  return (int)output.size;
}
