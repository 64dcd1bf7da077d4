/*
 * Streaming JPEG decoder for WebAssembly, on top of libjpeg-turbo (IJG/BSD).
 *
 * Why this exists: a whole-image decoder needs width*height*4 bytes of WASM
 * memory (48 MB for 12 MP), and WASM memory never shrinks. Here the JS glue
 *   - feeds the compressed bytes in 64 KB pieces (import env.jd_fill), so the
 *     file itself never has to live in WASM memory;
 *   - asks for a DCT scale M/8 (libjpeg's scale_num/scale_denom), so a 1/4
 *     decode does 1/16 of the IDCT/colour work and never builds full-size rows;
 *   - pulls RGBA rows a few at a time (jd_read) into a JS-owned array.
 * Only progressive / multi-scan files need big memory (all DCT coefficients),
 * and that is capped by max_memory_to_use.
 *
 * Call order from JS: jd_header -> jd_start(num) -> jd_read until 0 -> done.
 * Every entry point returns < 0 on error, with the text at jd_message().
 * After an error, or when done, the decompressor is already destroyed.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpeglib.h"
#include "jerror.h"

#define EXPORT(name) __attribute__((export_name(name)))
#define IMPORT(name) __attribute__((import_module("env"), import_name(name)))

/* Copies up to `cap` next bytes of the file to `buf`; returns the count, 0 at EOF. */
IMPORT("jd_fill") extern int js_fill(unsigned char *buf, int cap);

#define INPUT_CHUNK 65536  /* bytes per jd_fill; few JS calls, fast Huffman path */
#define MAX_ROWS 16        /* rows per jd_read (>= rec_outbuf_height, at most 4);
                              16 rows * 8000 px * 4 = 512 KB */
#define MAX_SCANS 500      /* as TurboJPEG's TJFLAG_LIMITSCANS: "scan bomb" files */
#define MAX_JUNK_AFTER_SCAN 32  /* extraneous bytes tolerated after scan data */

enum {  /* layout of the int32 array at jd_info() */
  I_WIDTH, I_HEIGHT, I_COMPONENTS, I_PROGRESSIVE, I_COLOR_SPACE,
  I_OUT_WIDTH, I_OUT_HEIGHT, I_ROWS, I_ADOBE, I_TOLERATED, I_COUNT
};

static struct jpeg_decompress_struct cinfo;
static struct jpeg_error_mgr jerr;
static struct jpeg_source_mgr src;
static struct jpeg_progress_mgr progress;
static jmp_buf escape;
static int live;           /* cinfo created and not yet destroyed */
static int eof_ok;         /* EOF may be benign (see src_fill) */
static int in_header;      /* inside jd_header: no scan data read yet */
static int image_done;     /* every row is out: later trouble is after the image */
static int warned;         /* a warning was made fatal (see on_message) */
static int cmyk;           /* output is CMYK, converted to RGBA by us */
static int raw_cmyk;       /* ...unless the caller converts it (colour.c, with its profile) */
static int32_t info[I_COUNT];
static char message[JMSG_LENGTH_MAX];
static unsigned char input[INPUT_CHUNK];
static unsigned char *rowbuf;

/* ---- errors: error_exit must not return, so it longjmps back to the export */

static void on_error(j_common_ptr c) {
  if (c->err->msg_code == JERR_NO_BACKING_STORE)  /* hit max_memory_to_use */
    snprintf(message, sizeof message,
             "JPEG needs too much memory to decode (multi-scan/progressive)");
  else
    (*c->err->format_message)(c, message);
  longjmp(escape, 1);
}

/* Warnings (level -1) are corruption reports ("Corrupt JPEG data: ...",
 * "Premature end of JPEG file"): libjpeg would go on and decode grey or
 * garbage, so they are fatal, except for three about metadata only and the
 * tolerated damage below. */
static void on_message(j_common_ptr c, int level) {
  if (level >= 0) return;  /* trace messages */
  /* Whatever is forgiven below, the file is not as written: its coded data
   * is not shipped as a variant (render.ts re-encodes the pixels). */
  info[I_TOLERATED] = 1;
  switch (c->err->msg_code) {
  case JWRN_ADOBE_XFORM:  /* metadata oddities, pixels are fine */
  case JWRN_JFIF_MAJOR:
  case JWRN_BOGUS_ICC:
    return;
  case JWRN_EXTRANEOUS_DATA: {
    /* "N extraneous bytes before marker 0xXX": libjpeg skips them and reads
     * on. Before the first scan they are junk between segments (some cameras
     * write it before the frame header). After scan data they are also what
     * an entropy decoder that lost sync in corrupt data leaves behind: the
     * scan ended early. Padding writers add is a few bytes, so allow that
     * much; before a restart marker (inside a scan) none. */
    int count = c->err->msg_parm.i[0], marker = c->err->msg_parm.i[1];
    if (marker >= 0xd0 && marker <= 0xd7) break;
    if (in_header || count <= MAX_JUNK_AFTER_SCAN) return;
    break;
  }
  }
  warned = 1;  /* fatal even once the image is complete */
  c->err->error_exit(c);
}

static void no_output(j_common_ptr c) { (void)c; }  /* never print */

static void on_progress(j_common_ptr c) {
  if (((j_decompress_ptr)c)->input_scan_number > MAX_SCANS) {
    snprintf(message, sizeof message, "JPEG has more than %d scans", MAX_SCANS);
    longjmp(escape, 1);
  }
}

/* ---- source manager pulling from JS */

static void src_init(j_decompress_ptr c) { (void)c; }
static void src_term(j_decompress_ptr c) { (void)c; }

/* True once a progressive file's scans have refined every coefficient of
 * every component to its last bit: only the EOI marker can still be missing. */
static int progression_complete(j_decompress_ptr c) {
  if (!c->progressive_mode || !c->coef_bits) return 0;
  for (int ci = 0; ci < c->num_components; ci++)
    for (int k = 0; k < DCTSIZE2; k++)
      if (c->coef_bits[ci][k] != 0) return 0;
  return 1;
}

static boolean src_fill(j_decompress_ptr c) {
  int n = js_fill(input, INPUT_CHUNK);
  if (n <= 0) {
    /* EOF in the header or in a progressive/multi-scan file (all of which
     * jd_start reads) is fatal, unless the progression is complete. In
     * jd_read (single-scan data) a fake EOI is enough. Either way the
     * entropy decoder then reports "premature end of data segment" if it
     * still needed bits, so only a missing EOI is forgiven. */
    if (!eof_ok && !progression_complete(c)) WARNMS(c, JWRN_JPEG_EOF);
    info[I_TOLERATED] = 1;     /* no EOI */
    input[0] = 0xFF;           /* end with a fake EOI, as libjpeg does */
    input[1] = JPEG_EOI;
    n = 2;
  }
  src.next_input_byte = input;
  src.bytes_in_buffer = (size_t)n;
  return TRUE;
}

static void src_skip(j_decompress_ptr c, long n) {
  if (n <= 0) return;
  while (n > (long)src.bytes_in_buffer) {
    n -= (long)src.bytes_in_buffer;
    src_fill(c);
  }
  src.next_input_byte += n;
  src.bytes_in_buffer -= (size_t)n;
}

static void destroy(void) {
  if (live) jpeg_destroy_decompress(&cinfo);
  live = 0;
  free(rowbuf);
  rowbuf = NULL;
}

/* ---- exports */

EXPORT("jd_info") int32_t *jd_info(void) { return info; }
EXPORT("jd_message") char *jd_message(void) { return message; }
EXPORT("jd_buffer") unsigned char *jd_buffer(void) { return rowbuf; }
EXPORT("jd_abort") void jd_abort(void) { destroy(); }

/* Reads the header. max_memory caps the coefficient buffers of
 * progressive/multi-scan files (bytes, 0 = no cap). */
EXPORT("jd_header") int jd_header(int max_memory) {
  destroy();
  memset(info, 0, sizeof info);
  message[0] = 0;
  eof_ok = 0;
  image_done = 0;
  warned = 0;
  in_header = 1;
  if (setjmp(escape)) { destroy(); return -1; }

  cinfo.err = jpeg_std_error(&jerr);
  jerr.error_exit = on_error;
  jerr.emit_message = on_message;
  jerr.output_message = no_output;
  jpeg_create_decompress(&cinfo);
  live = 1;
  cinfo.mem->max_memory_to_use = max_memory;
  progress.progress_monitor = on_progress;
  cinfo.progress = &progress;

  src.init_source = src_init;
  src.fill_input_buffer = src_fill;
  src.skip_input_data = src_skip;
  src.resync_to_restart = jpeg_resync_to_restart;
  src.term_source = src_term;
  src.bytes_in_buffer = 0;
  src.next_input_byte = NULL;
  cinfo.src = &src;

  jpeg_read_header(&cinfo, TRUE);
  info[I_WIDTH] = (int32_t)cinfo.image_width;
  info[I_HEIGHT] = (int32_t)cinfo.image_height;
  info[I_COMPONENTS] = cinfo.num_components;
  info[I_PROGRESSIVE] = cinfo.progressive_mode;
  info[I_COLOR_SPACE] = cinfo.jpeg_color_space;
  in_header = 0;
  info[I_ADOBE] = cinfo.saw_Adobe_marker;  /* Adobe CMYK is stored inverted */
  return 0;
}

/* Starts decompression at scale num/8 (1..16; the glue uses 1..8). Allocates
 * the row buffer and sets out width/height and rows per jd_read in jd_info.
 * keep_cmyk != 0: CMYK/YCCK files come out as raw CMYK (4 bytes per pixel,
 * inverted when info[I_ADOBE]) for a profile-based conversion by the caller. */
EXPORT("jd_start") int jd_start(int num, int keep_cmyk) {
  if (!live) return -1;
  if (setjmp(escape)) { destroy(); return -1; }

  cinfo.scale_num = (unsigned)num;
  cinfo.scale_denom = 8;
  /* libjpeg-turbo converts YCbCr, RGB and grayscale straight to RGBA (alpha
   * 255). CMYK/YCCK can only come out as CMYK; we convert it below. */
  cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  raw_cmyk = cmyk && keep_cmyk;
  cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_EXT_RGBA;
  jpeg_start_decompress(&cinfo);  /* progressive: reads all scans here */

  rowbuf = malloc((size_t)cinfo.output_width * 4 * MAX_ROWS);
  if (!rowbuf) ERREXIT1(&cinfo, JERR_OUT_OF_MEMORY, 99);
  info[I_OUT_WIDTH] = (int32_t)cinfo.output_width;
  info[I_OUT_HEIGHT] = (int32_t)cinfo.output_height;
  info[I_ROWS] = MAX_ROWS;
  return 0;
}

/* CMYK -> RGBA in place. Adobe (Photoshop) files store inverted CMYK, i.e.
 * 255-C; plain CMYK files are inverted here first. R = (255-C)(255-K)/255. */
static void cmyk_to_rgba(unsigned char *p, size_t pixels, int adobe) {
  for (size_t i = 0; i < pixels; i++, p += 4) {
    unsigned c = p[0], m = p[1], y = p[2], k = p[3];
    if (!adobe) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
    p[0] = (unsigned char)((c * k + 127) / 255);
    p[1] = (unsigned char)((m * k + 127) / 255);
    p[2] = (unsigned char)((y * k + 127) / 255);
    p[3] = 255;
  }
}

/* Decodes up to MAX_ROWS (info[I_ROWS]) rows into jd_buffer(); returns the row count,
 * 0 when the image is complete (decompressor then destroyed), < 0 on error. */
EXPORT("jd_read") int jd_read(void) {
  if (!live || !rowbuf) return -1;
  /* A libjpeg error once every row is out (jpeg_finish_decompress reading
   * to EOI) is about bytes after the image: a stray SOF or SOS. djpeg and
   * libvips have the whole image by then too. A warning we made fatal (too
   * much junk after the scan: lost sync) still fails. */
  if (setjmp(escape)) {
    int done = image_done && !warned;
    info[I_TOLERATED] = 1;
    destroy();
    return done ? 0 : -1;
  }

  eof_ok = 1;
  if (cinfo.output_scanline >= cinfo.output_height) {
    image_done = 1;
    jpeg_finish_decompress(&cinfo);  /* reads up to EOI */
    destroy();
    return 0;
  }
  JSAMPROW rows[MAX_ROWS];
  size_t stride = (size_t)cinfo.output_width * 4;
  for (int i = 0; i < MAX_ROWS; i++) rows[i] = rowbuf + stride * i;
  int n = 0;
  while (n < MAX_ROWS && cinfo.output_scanline < cinfo.output_height) {
    JDIMENSION got = jpeg_read_scanlines(&cinfo, rows + n, (JDIMENSION)(MAX_ROWS - n));
    if (got == 0) ERREXIT(&cinfo, JERR_INPUT_EMPTY);  /* cannot happen: we never suspend */
    n += (int)got;
  }
  if (cmyk && !raw_cmyk) cmyk_to_rgba(rowbuf, (size_t)cinfo.output_width * n, cinfo.saw_Adobe_marker);
  return n;
}
