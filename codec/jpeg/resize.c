/*
 * Streaming Lanczos-3 resampler for RGBA8 rows, WASM SIMD.
 *
 * Rows are pushed as they come out of the JPEG decoder (or from JS in small
 * strips), resampled horizontally at once into a ring of as many rows as the
 * vertical filter spans, and each output row is made as soon as its last
 * input row has arrived. So the full-size input never exists anywhere: only
 * the output (the variant) plus a few rows.
 *
 * Weights are 14-bit fixed point, normalised to sum exactly 1 (edge pixels
 * repeat). Downscaling widens the kernel by the scale (a proper low-pass, as
 * libvips/sharp do), so no aliasing. With `premultiply` the colour is
 * weighted by alpha while filtering, so transparent pixels do not bleed
 * their (invisible) colour into the edges.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define FIX 14
#define ONE (1 << FIX)

typedef struct {
  int n;        /* output size */
  int taps;     /* weights per output sample (the widest; shorter ones are zero-padded) */
  int *start;   /* first input index per output sample, clamped so start+taps <= in */
  int16_t *w;   /* n * taps weights */
} filter_t;

typedef struct {
  int in_w, in_h, out_w, out_h, premultiply;
  filter_t h, v;
  int rows_in;          /* input rows received */
  int rows_out;         /* output rows made */
  int ring_n;           /* rows in the ring */
  uint8_t *ring;        /* ring_n rows of out_w*4, horizontally resampled */
  uint8_t *tmp;         /* one premultiplied input row */
  int32_t *acc;         /* one output row of accumulators */
  uint8_t *out;         /* out_w * out_h * 4, the result */
} resizer_t;

static double lanczos3(double x) {
  if (x < 0) x = -x;
  if (x < 1e-8) return 1.0;
  if (x >= 3.0) return 0.0;
  double px = M_PI * x;
  return 3.0 * sin(px) * sin(px / 3.0) / (px * px);
}

static void filter_free(filter_t *f) {
  free(f->start);
  free(f->w);
  f->start = NULL;
  f->w = NULL;
}

static int filter_make(filter_t *f, int in, int out) {
  double scale = (double)in / out;
  double stretch = scale > 1 ? scale : 1;   /* widen the kernel when shrinking */
  double support = 3.0 * stretch;
  int taps = (int)ceil(support) * 2 + 1;
  if (taps > in) taps = in;
  f->n = out;
  f->taps = taps;
  f->start = malloc(sizeof(int) * out);
  f->w = calloc((size_t)out * taps, sizeof(int16_t));
  double *tmp = malloc(sizeof(double) * taps);
  if (!f->start || !f->w || !tmp) { free(tmp); filter_free(f); return -1; }
  for (int o = 0; o < out; o++) {
    double center = (o + 0.5) * scale - 0.5;
    int first = (int)floor(center - support) + 1;
    int last = (int)ceil(center + support) - 1;
    int start = first < 0 ? 0 : first;
    if (start + taps > in) start = in - taps;
    for (int k = 0; k < taps; k++) tmp[k] = 0;
    double sum = 0;
    for (int i = first; i <= last; i++) {
      double wt = lanczos3((i - center) / stretch);
      int j = i < 0 ? 0 : i >= in ? in - 1 : i;  /* edge pixels repeat */
      int k = j - start;
      if (k < 0) k = 0;
      if (k >= taps) k = taps - 1;
      tmp[k] += wt;
      sum += wt;
    }
    int16_t *w = f->w + (size_t)o * taps;
    int total = 0, big = 0;
    for (int k = 0; k < taps; k++) {
      w[k] = (int16_t)lrint(tmp[k] / sum * ONE);
      total += w[k];
      if (abs(w[k]) > abs(w[big])) big = k;
    }
    w[big] += ONE - total;  /* exact unity gain: flat areas stay exactly flat */
    f->start[o] = start;
  }
  free(tmp);
  return 0;
}

static void premultiply_row(uint8_t *dst, const uint8_t *src, int w) {
  for (int x = 0; x < w; x++, src += 4, dst += 4) {
    unsigned a = src[3];
    dst[0] = (uint8_t)((src[0] * a + 127) / 255);
    dst[1] = (uint8_t)((src[1] * a + 127) / 255);
    dst[2] = (uint8_t)((src[2] * a + 127) / 255);
    dst[3] = (uint8_t)a;
  }
}

static void unpremultiply_row(uint8_t *p, int w) {
  for (int x = 0; x < w; x++, p += 4) {
    unsigned a = p[3];
    if (a == 255) continue;
    if (a == 0) { p[0] = p[1] = p[2] = 0; continue; }
    for (int c = 0; c < 3; c++) {
      unsigned v = (p[c] * 255u + a / 2) / a;
      p[c] = (uint8_t)(v > 255 ? 255 : v);
    }
  }
}

/* One RGBA pixel (4 x u8) -> 4 x i32. */
static inline v128_t load_px(const uint8_t *p) {
  v128_t v = wasm_v128_load32_zero(p);
  return wasm_u32x4_extend_low_u16x8(wasm_u16x8_extend_low_u8x16(v));
}

/* Rounds, shifts and saturates 4 x i32 to 4 x u8 at dst. */
static inline void store_px(uint8_t *dst, v128_t acc) {
  acc = wasm_i32x4_shr(wasm_i32x4_add(acc, wasm_i32x4_splat(ONE / 2)), FIX);
  v128_t s16 = wasm_i16x8_narrow_i32x4(acc, acc);
  v128_t u8 = wasm_u8x16_narrow_i16x8(s16, s16);
  wasm_v128_store32_lane(dst, u8, 0);
}

static void resample_row(const resizer_t *r, const uint8_t *src, uint8_t *dst) {
  const filter_t *f = &r->h;
  const int taps = f->taps;
  for (int o = 0; o < f->n; o++) {
    const uint8_t *p = src + (size_t)f->start[o] * 4;
    const int16_t *w = f->w + (size_t)o * taps;
    v128_t acc = wasm_i32x4_splat(0);
    for (int k = 0; k < taps; k++)
      acc = wasm_i32x4_add(acc, wasm_i32x4_mul(load_px(p + k * 4), wasm_i32x4_splat(w[k])));
    store_px(dst + o * 4, acc);
  }
}

/* Output row o from the ring (all its input rows are there). */
static void make_row(resizer_t *r, int o) {
  const filter_t *f = &r->v;
  const int n = r->out_w * 4;
  const int16_t *w = f->w + (size_t)o * f->taps;
  int32_t *acc = r->acc;
  for (int x = 0; x < n; x++) acc[x] = ONE / 2;
  for (int k = 0; k < f->taps; k++) {
    const uint8_t *row = r->ring + (size_t)((f->start[o] + k) % r->ring_n) * n;
    const int32_t wk = w[k];
    if (wk == 0) continue;
    for (int x = 0; x < n; x++) acc[x] += wk * row[x];  /* vectorised by clang */
  }
  uint8_t *out = r->out + (size_t)o * n;
  for (int x = 0; x < n; x++) {
    int32_t v = acc[x] >> FIX;
    out[x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
  }
  if (r->premultiply) unpremultiply_row(out, r->out_w);
}

EXPORT("rs_free") void rs_free(resizer_t *r) {
  if (!r) return;
  filter_free(&r->h);
  filter_free(&r->v);
  free(r->ring);
  free(r->tmp);
  free(r->acc);
  free(r->out);
  free(r);
}

/* A resizer from in_w x in_h to out_w x out_h (RGBA8), or NULL when out of memory. */
EXPORT("rs_new") resizer_t *rs_new(int in_w, int in_h, int out_w, int out_h, int premultiply) {
  if (in_w < 1 || in_h < 1 || out_w < 1 || out_h < 1) return NULL;
  resizer_t *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->in_w = in_w; r->in_h = in_h; r->out_w = out_w; r->out_h = out_h;
  r->premultiply = premultiply;
  if (filter_make(&r->h, in_w, out_w) || filter_make(&r->v, in_h, out_h)) { rs_free(r); return NULL; }
  r->ring_n = r->v.taps;
  r->ring = malloc((size_t)r->ring_n * out_w * 4);
  r->tmp = premultiply ? malloc((size_t)in_w * 4) : NULL;
  r->acc = malloc(sizeof(int32_t) * out_w * 4);
  r->out = malloc((size_t)out_w * out_h * 4);
  if (!r->ring || (premultiply && !r->tmp) || !r->acc || !r->out) { rs_free(r); return NULL; }
  return r;
}

/* Takes the next `rows` input rows (stride in_w*4) and makes every output row they complete.
 * Returns the number of output rows made so far. */
EXPORT("rs_push") int rs_push(resizer_t *r, const uint8_t *rows, int count) {
  const size_t in_stride = (size_t)r->in_w * 4, out_stride = (size_t)r->out_w * 4;
  for (int i = 0; i < count && r->rows_in < r->in_h; i++) {
    const uint8_t *src = rows + in_stride * i;
    if (r->premultiply) { premultiply_row(r->tmp, src, r->in_w); src = r->tmp; }
    resample_row(r, src, r->ring + (size_t)(r->rows_in % r->ring_n) * out_stride);
    r->rows_in++;
    while (r->rows_out < r->out_h && r->v.start[r->rows_out] + r->v.taps <= r->rows_in)
      make_row(r, r->rows_out++);
  }
  return r->rows_out;
}

EXPORT("rs_output") uint8_t *rs_output(resizer_t *r) { return r->out; }

EXPORT("mem_alloc") void *mem_alloc(int n) { return malloc((size_t)n); }
EXPORT("mem_free") void mem_free(void *p) { free(p); }
