/*
 * Colour management for the codec module: converts decoded rows to sRGB in
 * place with Little CMS 2 (MIT, Debian bookworm's lcms2 2.14 source).
 *
 * Why here: the rows are already in WASM memory (decoder rows before they go
 * into the resampler, or a PNG strip), so converting them where they lie
 * costs no copies and no extra memory beyond lcms's precalculated tables.
 *
 * Pixels are always 4 bytes: RGBA (RGB or grey-as-RGBA from the decoders) or
 * CMYK straight from libjpeg. Output is RGBA in the same bytes; alpha is left
 * untouched for RGBA input and set to 255 for CMYK input.
 *
 * Call order: cs_open / cs_open_primaries -> cs_apply per strip -> cs_free.
 * A 0 handle means failure, with the reason at cs_message().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lcms2.h"

#define EXPORT(name) __attribute__((export_name(name)))

enum { PIXELS_RGBA = 0, PIXELS_CMYK = 1, PIXELS_CMYK_INVERTED = 2 };

/* Grey in the decoders' RGBA layout: lcms reads byte 0 and skips three. */
#define TYPE_GREY_IN_RGBA_8 (COLORSPACE_SH(PT_GRAY) | CHANNELS_SH(1) | EXTRA_SH(3) | BYTES_SH(1))

typedef struct {
  cmsHTRANSFORM transform;
  int cmyk;
} Colour;

static char message[256];

static void on_error(cmsContext ctx, cmsUInt32Number code, const char *text) {
  (void)ctx;
  (void)code;
  snprintf(message, sizeof message, "%s", text);
}

static Colour *make(cmsHPROFILE source, int pixels) {
  Colour *c = NULL;
  cmsHPROFILE srgb = cmsCreate_sRGBProfile();
  cmsColorSpaceSignature space = cmsGetColorSpace(source);
  cmsUInt32Number in;
  int cmyk = pixels != PIXELS_RGBA;
  if (cmyk) {
    if (space != cmsSigCmykData) { snprintf(message, sizeof message, "CMYK pixels with a non-CMYK profile"); goto out; }
    /* Adobe (Photoshop) JPEGs store 255-C etc.: lcms's "reversed" flavour. */
    in = pixels == PIXELS_CMYK_INVERTED ? TYPE_CMYK_8_REV : TYPE_CMYK_8;
  } else if (space == cmsSigRgbData) {
    in = TYPE_RGBA_8;
  } else if (space == cmsSigGrayData) {
    in = TYPE_GREY_IN_RGBA_8;
  } else {
    snprintf(message, sizeof message, "unsupported profile colour space for RGB pixels");
    goto out;
  }
  if (!srgb) goto out;
  /* Perceptual, as sharp/libvips import: matrix-shaper profiles treat it as
   * relative colorimetric anyway; LUT (CMYK) profiles use their own tables. */
  cmsHTRANSFORM t = cmsCreateTransform(source, in, srgb, TYPE_RGBA_8, INTENT_PERCEPTUAL, 0);
  if (!t) { if (!message[0]) snprintf(message, sizeof message, "cannot build a transform"); goto out; }
  c = malloc(sizeof *c);
  if (!c) { cmsDeleteTransform(t); snprintf(message, sizeof message, "out of memory"); goto out; }
  c->transform = t;
  c->cmyk = cmyk;
out:
  if (srgb) cmsCloseProfile(srgb);
  return c;
}

static void init(void) {
  static int done;
  message[0] = 0;
  if (!done) cmsSetLogErrorHandler(on_error);
  done = 1;
}

EXPORT("cs_message") char *cs_message(void) { return message; }

/* A transform from an embedded ICC profile (`size` bytes at `icc`) to sRGB. */
EXPORT("cs_open") Colour *cs_open(const void *icc, int size, int pixels) {
  init();
  cmsHPROFILE p = cmsOpenProfileFromMem(icc, (cmsUInt32Number)size);  /* copies the bytes */
  if (!p) { if (!message[0]) snprintf(message, sizeof message, "unreadable ICC profile"); return NULL; }
  Colour *c = make(p, pixels);
  cmsCloseProfile(p);
  return c;
}

/* A transform from PNG's cHRM (white point and primaries, CIE xy) and gAMA
 * (decoding exponent, e.g. 2.2) to sRGB; grey != 0 builds a grey profile. */
EXPORT("cs_open_primaries") Colour *cs_open_primaries(double wx, double wy, double rx, double ry, double gx, double gy,
                                                      double bx, double by, double gamma, int grey) {
  init();
  cmsCIExyY white = {wx, wy, 1.0};
  cmsCIExyYTRIPLE primaries = {{rx, ry, 1.0}, {gx, gy, 1.0}, {bx, by, 1.0}};
  cmsToneCurve *curve = cmsBuildGamma(NULL, gamma);
  if (!curve) { snprintf(message, sizeof message, "bad gamma"); return NULL; }
  cmsToneCurve *curves[3] = {curve, curve, curve};
  cmsHPROFILE p = grey ? cmsCreateGrayProfile(&white, curve) : cmsCreateRGBProfile(&white, &primaries, curves);
  cmsFreeToneCurve(curve);
  if (!p) { if (!message[0]) snprintf(message, sizeof message, "bad primaries"); return NULL; }
  Colour *c = make(p, PIXELS_RGBA);
  cmsCloseProfile(p);
  return c;
}

/* Converts `count` pixels at `px` in place. */
EXPORT("cs_apply") void cs_apply(Colour *c, unsigned char *px, int count) {
  if (!c || count <= 0) return;
  cmsDoTransform(c->transform, px, px, (cmsUInt32Number)count);
  if (c->cmyk)
    for (int i = 0; i < count; i++) px[i * 4 + 3] = 255;
}

EXPORT("cs_free") void cs_free(Colour *c) {
  if (!c) return;
  cmsDeleteTransform(c->transform);
  free(c);
}
