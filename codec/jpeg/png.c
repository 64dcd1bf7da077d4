/*
 * PNG's zlib work inside the codec's memory (zlib 1.2.13 from Debian bookworm):
 *
 * - pi_*: one inflater per instance for the PNG decoder. JS copies IDAT payload into a fixed
 *   input buffer, pi_run inflates into a fixed output window, and JS hands the window to its row
 *   machinery (src/processor/png/rows.ts): no JS allocation per chunk, no event-loop turn.
 * - pe_*: the PNG encoder's IDAT stream: filter each row (libpng's minimum sum of absolute
 *   differences) and deflate, reading RGBA where the resampler left it and writing into one
 *   output buffer of deflateBound bytes, which JS copies into the file's chunks.
 */
#include <stdlib.h>
#include <string.h>
#include "zlib.h"

#define EXPORT(name) __attribute__((export_name(name)))

/* Input buffer and output window of the inflater (in the plan: src/processor/plan.ts). */
#define PI_IN 65536
#define PI_OUT 65536

/* zlib's inflate state (~7 KB) and its 32 KB window, served from the inflater itself. */
#define PI_ARENA (48 * 1024)

typedef struct {
  z_stream z;
  int status; /* 0 = more to come, 1 = end of the zlib stream, < 0 = zlib error */
  size_t used;
  unsigned char in[PI_IN];
  unsigned char out[PI_OUT];
  unsigned char arena[PI_ARENA] __attribute__((aligned(16)));
} inflater;

/*
 * zlib allocates its window lazily, at the first output: from the heap that would grow the
 * codec's memory in the middle of a PNG decode and detach the JS views of its buffers. A bump
 * allocator over the arena instead: the state and window are allocated once and kept, since
 * inflateReset keeps both.
 */
static voidpf arena_alloc(voidpf opaque, uInt items, uInt size) {
  inflater *s = opaque;
  size_t n = ((size_t)items * size + 15) & ~(size_t)15;
  if (n > PI_ARENA - s->used) return Z_NULL;
  voidpf p = s->arena + s->used;
  s->used += n;
  return p;
}
static void arena_free(voidpf opaque, voidpf p) { (void)opaque, (void)p; }

static inflater *inf;
#define NEED_DICT (-100)

/* Starts a new zlib stream: the state is made once per instance, then reset. 0, or -1 (no memory). */
EXPORT("pi_open") int pi_open(void) {
  if (!inf) {
    inflater *s = calloc(1, sizeof *s);
    if (!s) return -1;
    s->z.zalloc = arena_alloc;
    s->z.zfree = arena_free;
    s->z.opaque = s;
    if (inflateInit(&s->z) != Z_OK) {
      free(s);
      return -1;
    }
    inf = s;
  } else if (inflateReset(&inf->z) != Z_OK) {
    return -1;
  }
  inf->z.avail_in = 0;
  inf->status = 0;
  return 0;
}

EXPORT("pi_input") unsigned char *pi_input(void) { return inf ? inf->in : 0; }
EXPORT("pi_output") unsigned char *pi_output(void) { return inf ? inf->out : 0; }
EXPORT("pi_capacity") int pi_capacity(void) { return PI_IN; }
EXPORT("pi_window") int pi_window(void) { return PI_OUT; }

/*
 * Inflates into the output window (from its start). `fresh` > 0: that many bytes were just
 * written to the input buffer (only when the previous input is used up); 0: go on with what is
 * left. Returns the bytes produced; pi_status() then says whether the stream ended or failed
 * (output produced before a failure is still returned: a bad trailer follows every row).
 * Fewer than PI_OUT bytes with status 0 means the input is used up.
 */
EXPORT("pi_run") int pi_run(int fresh) {
  z_stream *z = &inf->z;
  if (inf->status != 0) return 0;
  if (fresh > 0) {
    z->next_in = inf->in;
    z->avail_in = (unsigned)fresh;
  }
  z->next_out = inf->out;
  z->avail_out = PI_OUT;
  int ret = inflate(z, Z_NO_FLUSH);
  if (ret == Z_STREAM_END) inf->status = 1;
  else if (ret == Z_NEED_DICT) inf->status = NEED_DICT; /* PNG has no preset dictionary */
  else if (ret != Z_OK && ret != Z_BUF_ERROR) inf->status = ret;
  return PI_OUT - (int)z->avail_out;
}

EXPORT("pi_status") int pi_status(void) { return inf ? inf->status : -1; }
/* Input bytes inflate has not used: after the stream's end, bytes that follow it in the IDAT run. */
EXPORT("pi_left") int pi_left(void) { return inf ? (int)inf->z.avail_in : 0; }
EXPORT("pi_message") const char *pi_message(void) {
  if (!inf) return "no inflater";
  if (inf->status == NEED_DICT) return "a preset dictionary, which PNG does not allow";
  return inf->z.msg ? inf->z.msg : zError(inf->status);
}

/* ---- encoder ---- */

static unsigned char *pe_out;
static const char *pe_msg = "";

/* 1 when any pixel's alpha is not 255 (the variant then keeps its alpha channel). */
EXPORT("pe_has_alpha") int pe_has_alpha(const unsigned char *rgba, int pixels) {
  for (int i = 0; i < pixels; i++)
    if (rgba[i * 4 + 3] != 255) return 1;
  return 0;
}

/* Sum of |signed byte| of a filtered row (libpng's heuristic). */
static unsigned long row_cost(const unsigned char *f, size_t n) {
  unsigned long sum = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned v = f[i];
    sum += v < 128 ? v : 256 - v;
  }
  return sum;
}

static inline unsigned char paeth(int a, int b, int c) {
  int p = a + b - c;
  int pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
  return (unsigned char)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

/*
 * Filters and deflates `height` rows of RGBA (`alpha` 0: written as RGB) into the output
 * buffer; returns the zlib stream's size (pe_output() has it until pe_release()), or -1
 * (pe_message()). `level` and `strategy` are zlib's.
 */
EXPORT("pe_encode") int pe_encode(const unsigned char *rgba, int width, int height, int alpha, int level, int strategy) {
  const int bpp = alpha ? 4 : 3;
  const size_t row = (size_t)width * bpp;
  free(pe_out);
  pe_out = 0;
  z_stream z;
  memset(&z, 0, sizeof z);
  if (deflateInit2(&z, level, Z_DEFLATED, 15, 8, strategy) != Z_OK) {
    pe_msg = "deflateInit failed (out of memory)";
    return -1;
  }
  uLong total = (uLong)(row + 1) * (uLong)height;
  uLong bound = deflateBound(&z, total);
  /* prev, cur and the five candidates (filter byte + row each). */
  unsigned char *rows = calloc(2 * row + 5 * (row + 1), 1);
  pe_out = malloc(bound);
  if (!rows || !pe_out) {
    free(rows);
    free(pe_out);
    pe_out = 0;
    deflateEnd(&z);
    pe_msg = "out of memory for the PNG encoder";
    return -1;
  }
  unsigned char *prev = rows, *cur = rows + row, *cand = rows + 2 * row;
  z.next_out = pe_out;
  z.avail_out = (uInt)bound;
  int ok = 1;
  for (int y = 0; y < height && ok; y++) {
    const unsigned char *src = rgba + (size_t)y * width * 4;
    if (alpha) memcpy(cur, src, row);
    else
      for (int x = 0; x < width; x++) {
        cur[x * 3] = src[x * 4];
        cur[x * 3 + 1] = src[x * 4 + 1];
        cur[x * 3 + 2] = src[x * 4 + 2];
      }
    unsigned char *none = cand, *sub = cand + (row + 1), *up = cand + 2 * (row + 1), *avg = cand + 3 * (row + 1),
                  *pae = cand + 4 * (row + 1);
    none[0] = 0, sub[0] = 1, up[0] = 2, avg[0] = 3, pae[0] = 4;
    memcpy(none + 1, cur, row);
    /* One loop per filter keeps each vectorisable. */
    for (size_t i = 0; i < (size_t)bpp && i < row; i++) {
      sub[i + 1] = cur[i];
      avg[i + 1] = (unsigned char)(cur[i] - (prev[i] >> 1));
      pae[i + 1] = (unsigned char)(cur[i] - prev[i]); /* paeth(0, b, 0) = b */
    }
    for (size_t i = bpp; i < row; i++) sub[i + 1] = (unsigned char)(cur[i] - cur[i - bpp]);
    for (size_t i = 0; i < row; i++) up[i + 1] = (unsigned char)(cur[i] - prev[i]);
    for (size_t i = bpp; i < row; i++) avg[i + 1] = (unsigned char)(cur[i] - ((cur[i - bpp] + prev[i]) >> 1));
    for (size_t i = bpp; i < row; i++) pae[i + 1] = (unsigned char)(cur[i] - paeth(cur[i - bpp], prev[i], prev[i - bpp]));
    unsigned char *best = none;
    unsigned long bestCost = (unsigned long)-1;
    for (int f = 0; f < 5; f++) {
      unsigned char *c = cand + f * (row + 1);
      unsigned long cost = row_cost(c + 1, row);
      if (cost < bestCost) bestCost = cost, best = c;
    }
    z.next_in = best;
    z.avail_in = (uInt)(row + 1);
    if (deflate(&z, Z_NO_FLUSH) != Z_OK || z.avail_in != 0) ok = 0;
    unsigned char *t = prev;
    prev = cur;
    cur = t;
  }
  if (ok && deflate(&z, Z_FINISH) != Z_STREAM_END) ok = 0;
  int size = (int)(bound - z.avail_out);
  deflateEnd(&z);
  free(rows);
  if (!ok) {
    free(pe_out);
    pe_out = 0;
    pe_msg = "deflate failed";
    return -1;
  }
  return size;
}

EXPORT("pe_output") unsigned char *pe_output(void) { return pe_out; }
EXPORT("pe_message") const char *pe_message(void) { return pe_msg; }
EXPORT("pe_release") void pe_release(void) {
  free(pe_out);
  pe_out = 0;
}
