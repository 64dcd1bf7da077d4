/*
 * Baseline JPEG encoder for WebAssembly: libjpeg-turbo's compressor, RGBA8 in
 * (straight from WASM memory, no copy), JFIF YCbCr 4:2:0 out, Huffman tables
 * optimised for the image (what sharp/libvips does by default). No
 * trellis quantisation or progressive scans: mozjpeg's extras cost 3x the time
 * for a few percent of bytes on variants this small.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpeglib.h"
#include "jerror.h"

#define EXPORT(name) __attribute__((export_name(name)))

static jmp_buf escape;
static char message[JMSG_LENGTH_MAX];
static unsigned char *output;
static unsigned long output_size;

static void on_error(j_common_ptr c) {
  (*c->err->format_message)(c, message);
  longjmp(escape, 1);
}

static void no_output(j_common_ptr c) { (void)c; }

EXPORT("je_message") char *je_message(void) { return message; }
EXPORT("je_output") unsigned char *je_output(void) { return output; }

/* Frees the last output. */
EXPORT("je_release") void je_release(void) {
  free(output);
  output = NULL;
  output_size = 0;
}

/* Encodes width x height RGBA8 pixels (alpha ignored); returns the JPEG's size
 * (bytes at je_output(), valid until je_release or the next call), or -1. */
EXPORT("je_encode") int je_encode(const unsigned char *rgba, int width, int height, int quality) {
  static struct jpeg_compress_struct cinfo;
  static struct jpeg_error_mgr jerr;
  je_release();
  message[0] = 0;
  cinfo.err = jpeg_std_error(&jerr);
  jerr.error_exit = on_error;
  jerr.output_message = no_output;
  jpeg_create_compress(&cinfo);
  if (setjmp(escape)) {
    jpeg_destroy_compress(&cinfo);
    je_release();
    return -1;
  }
  jpeg_mem_dest(&cinfo, &output, &output_size);
  cinfo.image_width = (JDIMENSION)width;
  cinfo.image_height = (JDIMENSION)height;
  cinfo.input_components = 4;
  cinfo.in_color_space = JCS_EXT_RGBA;
  jpeg_set_defaults(&cinfo);  /* YCbCr, 2x2 luma sampling (4:2:0) */
  /* No JFIF APP0: 18 bytes per file that no decoder needs (3 components without an Adobe
     marker are read as YCbCr) and sharp does not write either. */
  cinfo.write_JFIF_header = FALSE;
  jpeg_set_quality(&cinfo, quality, TRUE);
  cinfo.optimize_coding = TRUE;
  cinfo.dct_method = JDCT_ISLOW;
  jpeg_start_compress(&cinfo, TRUE);
  const size_t stride = (size_t)width * 4;
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW rows[16];
    int n = 0;
    while (n < 16 && cinfo.next_scanline + n < cinfo.image_height) {
      rows[n] = (JSAMPROW)(rgba + stride * (cinfo.next_scanline + n));
      n++;
    }
    jpeg_write_scanlines(&cinfo, rows, (JDIMENSION)n);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return (int)output_size;
}
