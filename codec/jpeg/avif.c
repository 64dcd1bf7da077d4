/*
 * The codec's AVIF encoder: Debian's libavif (0.11.1) on Debian unstable's libaom
 * (3.14.1, encoder only, no threads). RGBA8 in (read straight from WASM memory,
 * no copy into JS), one still image out: 8-bit 4:2:0 YUV, sRGB CICP 1/13/6
 * (BT.709 primaries, sRGB transfer, BT.601 matrix) full range, plus a
 * monochrome AV1 alpha image when the input has a non-opaque alpha channel.
 *
 * Settings follow sharp (libvips 8.18 -> libheif 1.23 -> libaom 3.15, its default
 * tune "auto") so that a quality means the same: libaom all-intra usage (libavif
 * 0.11.1 picks AOM_USAGE_ALL_INTRA for a single image, at every speed), end-usage q,
 * min/max quantizer 0/63; colour with tune iq (libaom's still-image tuning, 3.13+)
 * and libheif's tune-iq quality table for cq-level; alpha with tune psnr and
 * cq-level = ((100 - quality) * 63 + 50) / 100 (libheif's linear mapping); intra
 * block copy off (libvips asks for that); TPL model and global motion off (unused
 * by an intra frame, memory only); 4:2:0, libheif's default CICP.
 * speed = libaom cpu-used (sharp effort e = 9 - e). libaom's post-processing
 * filters are not applied to the reconstruction (build.sh patches libavif, as
 * libheif does): same bytes, less work.
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

static int clamp_quality(int quality) { return quality < 0 ? 0 : quality > 100 ? 100 : quality; }

/* libheif's quality (0-100) -> libaom cq-level (0-63), linear: for tune psnr/ssim (our alpha). */
static int cq_level(int quality) { return ((100 - clamp_quality(quality)) * 63 + 50) / 100; }

/* libheif's (copied from libavif 1.x) quality -> cq-level for tune iq (colour): piecewise
 * linear, correcting for tune iq's higher bitrate at a given quantizer (q60 -> 30, not 25). */
static const unsigned char tune_iq_cq_level[101] = {
  63, 63, 63, 62, 62, 62, 61, 61, 60, 60, 59, 59, 58, 58, 57, 57, 56, 56, 55, 55,
  54, 54, 53, 53, 52, 52, 51, 51, 50, 50, 49, 49, 48, 48, 47, 46, 46, 45, 45, 44,
  43, 43, 42, 42, 41, 40, 40, 39, 39, 38, 37, 37, 36, 36, 35, 34, 33, 33, 32, 31,
  30, 30, 29, 28, 27, 27, 26, 25, 24, 24, 23, 22, 21, 21, 20, 19, 18, 18, 17, 16,
  15, 15, 14, 13, 12, 12, 11, 10,  9,  9,  8,  7,  6,  6,  5,  4,  3,  3,  2,  1,
  0,
};
static int cq_level_iq(int quality) { return tune_iq_cq_level[clamp_quality(quality)]; }

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
  snprintf(cq, sizeof cq, "%d", cq_level_iq(quality));
  avifEncoderSetCodecSpecificOption(encoder, "color:cq-level", cq);
  avifEncoderSetCodecSpecificOption(encoder, "color:tune", "iq");
  snprintf(cq, sizeof cq, "%d", cq_level(quality));
  avifEncoderSetCodecSpecificOption(encoder, "alpha:cq-level", cq);
  avifEncoderSetCodecSpecificOption(encoder, "alpha:tune", "psnr");
  avifEncoderSetCodecSpecificOption(encoder, "enable-intrabc", "0");
  /* Memory only: libaom 3.14 allocates the TPL model's and global motion's buffers at init even
   * though an all-intra frame uses neither (the output is byte-identical without them, checked on
   * the large/medium/thumb and on noise); off, the 1920x1080 encode needs 6 MiB less. */
  avifEncoderSetCodecSpecificOption(encoder, "enable-tpl-model", "0");
  avifEncoderSetCodecSpecificOption(encoder, "enable-global-motion", "0");
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
