#!/usr/bin/env bash
# Builds src/processor/codec/codec.wasm (JPEG decoder, JPEG encoder,
# Lanczos resampler, colour conversion, PNG's zlib work, the WebP and AVIF encoders:
# codec/jpeg/{decoder,encoder,resize,colour,png,webp,avif}.c) from Debian bookworm's
# libjpeg-turbo, lcms2, zlib, libwebp and libavif sources and Debian unstable's libaom
# (3.14.1), with Debian's emscripten (3.1.6). One module, one heap: every step's buffers reuse the same memory.
# Every source but libaom's is asked for as pkg/bookworm, so a sid deb-src entry (which
# libaom's needs) does not pull newer versions of the others.
# Run by hand (as root, or with sudo available for apt) on Debian 12:
#   codec/jpeg/build.sh
# Env: LIBJPEG_SRC=/path/to/libjpeg-turbo-2.1.5, LCMS2_SRC=/path/to/lcms2-2.14 and
#      ZLIB_SRC=/path/to/zlib-1.2.13.dfsg, LIBWEBP_SRC=/path/to/libwebp-1.2.4,
#      AOM_SRC=/path/to/aom-3.14.1 and LIBAVIF_SRC=/path/to/libavif-0.11.1 reuse
#      unpacked source trees instead of `apt-get source` (LIBAVIF_GIT=/path/to/libavif.git
#      is the orig tarball's fallback, see below); KEEP=1 keeps the temp build dir.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/src/processor/codec/codec.wasm"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

# 1. Tools from Debian: emscripten (clang-14 + binaryen), cmake, dpkg-dev for apt-get source.
missing=()
command -v emcc >/dev/null || missing+=(emscripten)
command -v cmake >/dev/null || missing+=(cmake)
command -v dpkg-source >/dev/null || missing+=(dpkg-dev)
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
fi

WORK="$(mktemp -d /tmp/jpeg-build.XXXXXX)"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

# 2. libjpeg-turbo source (2.1.5-2 in bookworm), Debian patches applied by dpkg-source.
if [ -n "${LIBJPEG_SRC:-}" ]; then
  cp -a "$LIBJPEG_SRC" "$WORK/libjpeg-turbo-src"   # patched below: work on a copy
  SRC="$WORK/libjpeg-turbo-src"
else
  if ! grep -rqsE '^(deb-src |Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    $SUDO tee /etc/apt/sources.list.d/bookworm-src.sources >/dev/null <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    $SUDO apt-get update
  fi
  (cd "$WORK" && apt-get source libjpeg-turbo/bookworm)
  SRC="$(ls -d "$WORK"/libjpeg-turbo-*/ | head -n1)"
fi
echo "libjpeg-turbo source: $SRC"

# lcms2 source (2.14-2+deb12u1 in bookworm), Debian patches applied by dpkg-source.
if [ -n "${LCMS2_SRC:-}" ]; then
  LCMS="$LCMS2_SRC"  # only read
else
  (cd "$WORK" && apt-get source lcms2/bookworm)
  LCMS="$(ls -d "$WORK"/lcms2-*/ | head -n1)"
fi
echo "lcms2 source: $LCMS"

# zlib source (1:1.2.13.dfsg-1 in bookworm), Debian patches applied by dpkg-source.
if [ -n "${ZLIB_SRC:-}" ]; then
  ZLIB="$ZLIB_SRC"  # only read
else
  (cd "$WORK" && apt-get source zlib/bookworm)
  ZLIB="$(ls -d "$WORK"/zlib-*/ | head -n1)"
fi
ZLIB="${ZLIB%/}"
echo "zlib source: $ZLIB"

# libwebp source (1.2.4-0.2+deb12u1 in bookworm), Debian patches applied by dpkg-source.
if [ -n "${LIBWEBP_SRC:-}" ]; then
  WEBP="$LIBWEBP_SRC"  # only read
else
  (cd "$WORK" && apt-get source libwebp/bookworm)
  WEBP="$(ls -d "$WORK"/libwebp-*/ | head -n1)"
fi
WEBP="${WEBP%/}"
echo "libwebp source: $WEBP"

# libaom source: 3.14.1-1 from Debian unstable (sid), not bookworm's 3.6.0, Debian patches
# applied by dpkg-source. Why: sharp (libheif 1.23 on libaom 3.15) encodes colour with libaom's
# tune "iq" (image quality, all-intra), which only libaom 3.13+ has; bookworm's 3.6.0 (and
# trixie's 3.12.1) with tune ssim scored 1.12x sharp's butteraugli at the same bytes on the large
# variant (docs/formats.md, "libaom 3.14 and tune iq"). The version is pinned; a deb-src entry
# for sid is added when apt knows no source of it.
AOM_VERSION=3.14.1-1
if [ -n "${AOM_SRC:-}" ]; then
  AOM="$AOM_SRC"
else
  if ! apt-cache showsrc aom 2>/dev/null | grep -qx "Version: $AOM_VERSION"; then
    $SUDO tee /etc/apt/sources.list.d/sid-src.sources >/dev/null <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    $SUDO apt-get update
  fi
  (cd "$WORK" && apt-get source "aom=$AOM_VERSION")
  AOM="$(ls -d "$WORK"/aom-*/ | head -n1)"
fi
AOM="${AOM%/}"
echo "libaom source: $AOM"

# libavif source (0.11.1-1+deb12u1 in bookworm). Pitfall: on the mirror used
# here (December 2026) apt-get fetched the .dsc and the Debian diff but got 404
# for libavif_0.11.1.orig.tar.gz. That orig tarball is upstream's v0.11.1 tag
# exactly (`git archive --prefix=libavif-0.11.1/ v0.11.1 | gzip -n` reproduces
# its md5 dde524dfc0e0e37a468277b128662990), so fall back to GitHub's tag
# tarball (or LIBAVIF_GIT=/path/to/a/libavif.git) and let dpkg-source -x check it
# against the signed .dsc's checksums before applying Debian's two patches.
if [ -n "${LIBAVIF_SRC:-}" ]; then
  AVIF="$LIBAVIF_SRC"
else
  if ! (cd "$WORK" && apt-get source libavif/bookworm); then
    (cd "$WORK" && apt-get source --download-only libavif/bookworm || true)
    ls "$WORK"/libavif_0.11.1-*.dsc >/dev/null
    if [ -n "${LIBAVIF_GIT:-}" ]; then
      git --git-dir="$LIBAVIF_GIT" archive --format=tar --prefix=libavif-0.11.1/ v0.11.1 | gzip -n > "$WORK/libavif_0.11.1.orig.tar.gz"
    else
      curl -fsSL -o "$WORK/libavif_0.11.1.orig.tar.gz" https://github.com/AOMediaCodec/libavif/archive/refs/tags/v0.11.1.tar.gz
    fi
    (cd "$WORK" && dpkg-source -x libavif_0.11.1-*.dsc)
  fi
  AVIF="$(ls -d "$WORK"/libavif-*/ | head -n1)"
fi
AVIF="${AVIF%/}"
echo "libavif source: $AVIF"

# libavif is patched (on a copy), as libheif does for still images: AV1E_SET_SKIP_POSTPROC_FILTERING
# in all-intra usage, so libaom does not apply deblocking/CDEF/restoration to its reconstruction
# (no later frame refers to it). The filters are still chosen and coded: the output is
# byte-identical (checked with codec/jpeg/check-avif.mjs), only the work of applying them goes.
cp -a "$AVIF" "$WORK/libavif-src"; AVIF="$WORK/libavif-src"
python3 - "$AVIF/src/codec_aom.c" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
old = """        if (!avifProcessAOMOptionsPostInit(codec, alpha)) {
            return AVIF_RESULT_INVALID_CODEC_SPECIFIC_OPTION;
        }
"""
new = old + """#if defined(AOM_CTRL_AV1E_SET_SKIP_POSTPROC_FILTERING)
        if (cfg->g_usage == AOM_USAGE_ALL_INTRA) {
            aom_codec_control(&codec->internal->encoder, AV1E_SET_SKIP_POSTPROC_FILTERING, 1);
        }
#endif
"""
if s.count(old) != 1:
    sys.exit("codec_aom.c: skip-postproc patch target not found")
open(p, "w").write(s.replace(old, new))
print("libavif: all-intra encodes skip libaom's post-processing filters")
PY

# One-line patch: libjpeg-turbo's fast Huffman path (used while >= 512 bytes
# per block are buffered, i.e. almost always with our 64 KB input chunks)
# turns an invalid code into 0 silently; the slow path warns
# JWRN_HUFF_BAD_CODE ("Corrupt JPEG data: bad Huffman code"), which
# decoder.c treats as fatal. Make the fast path warn too. Valid files never
# reach this line (the fast path only decodes whole MCUs of real data).
grep -q '^      s = 0; \\$' "$SRC/jdhuff.h" || { echo "jdhuff.h patch target not found" >&2; exit 1; }
sed -i 's/^      s = 0; \\$/      { WARNMS(cinfo, JWRN_HUFF_BAD_CODE); s = 0; } \\/' "$SRC/jdhuff.h"
grep -q 'WARNMS(cinfo, JWRN_HUFF_BAD_CODE); s = 0;' "$SRC/jdhuff.h" || { echo "jdhuff.h patch failed" >&2; exit 1; }

# 3. Static libjpeg (8-bit only, no SIMD: emscripten has no x86 asm).
# Node 20 pitfalls (see /work/shared/notes/toolchain.md): emcc's JS needs acorn
# from Debian's node modules; emcmake's default emulator flag
# (--experimental-wasm-threads) is rejected by Node 20, which breaks
# CheckTypeSize ("Cannot determine word size").
export NODE_PATH=/usr/share/nodejs
NODE_BIN="$(command -v node)"
# BUILD: libjpeg-turbo stamps its version string with the build date unless told; the
# Debian changelog's date keeps the wasm byte-identical from day to day.
emcmake cmake -S "$SRC" -B "$WORK/build" \
  -DCMAKE_BUILD_TYPE=Release \
  -DBUILD="$(date -u -d "@$(dpkg-parsechangelog -l "$SRC/debian/changelog" -STimestamp)" +%Y%m%d)" \
  -DCMAKE_C_FLAGS="-O3 -msimd128" \
  -DCMAKE_CROSSCOMPILING_EMULATOR="$NODE_BIN;--no-experimental-fetch" \
  -DWITH_SIMD=0 -DENABLE_SHARED=0 -DENABLE_STATIC=1 \
  -DWITH_TURBOJPEG=0 -DWITH_JAVA=0 -DWITH_12BIT=0 \
  -DWITH_ARITH_DEC=1 -DWITH_ARITH_ENC=0 -DWITH_MEM_SRCDST=1
cmake --build "$WORK/build" --target jpeg-static -j"$(nproc)"

# 3b. Static lcms2: plain C, no configure needed. No pthreads (one thread per
# isolate; lcms would otherwise link mutexes), -O2 as upstream's default.
# NDEBUG drops lcms's asserts, which embed __FILE__ (the random temp dir):
# with it the wasm is byte-identical from any source location.
mkdir -p "$WORK/lcms"
export LCMS WORK
ls "$LCMS"/src/*.c | xargs -P"$(nproc)" -I{} sh -c \
  'emcc -O2 -msimd128 -DNDEBUG -DCMS_NO_PTHREADS=1 -ffile-prefix-map="$LCMS"=lcms2 -I"$LCMS/include" -c "$1" -o "$WORK/lcms/$(basename "$1" .c).o"' _ {}
emar rcs "$WORK/liblcms2.a" "$WORK"/lcms/*.o

# 3c. Static zlib, as lcms2: plain C, only the inflate and deflate sources (no gz*
# file I/O, no compress/uncompress helpers). NDEBUG and -ffile-prefix-map keep
# the build byte-identical from any source location.
mkdir -p "$WORK/zlib"
export ZLIB
for f in adler32 crc32 deflate inffast inflate inftrees trees zutil; do echo "$ZLIB/$f.c"; done | xargs -P"$(nproc)" -I{} sh -c \
  'emcc -O3 -msimd128 -DNDEBUG -ffile-prefix-map="$ZLIB"=zlib -I"$ZLIB" -c "$1" -o "$WORK/zlib/$(basename "$1" .c).o"' _ {}
emar rcs "$WORK/libz.a" "$WORK"/zlib/*.o

# 3d. Static libwebp, the encoder's sources only (enc, the shared dsp/utils, sharpyuv),
# compiled straight with emcc: no configure step to fool. -msse2 -msse4.1: libwebp's SSE
# paths, which emscripten maps onto WASM SIMD (libwebp's cpu.c enables them for
# EMSCRIPTEN from these flags); without them the plain C was ~1.3x slower (docs/formats.md).
mkdir -p "$WORK/webp"
export WEBP
ls "$WEBP"/src/enc/*.c "$WEBP"/src/dsp/*.c "$WEBP"/src/utils/*.c "$WEBP"/sharpyuv/*.c | xargs -P"$(nproc)" -I{} sh -c \
  'f="$1"; o="$WORK/webp/$(echo "${f#$WEBP/}" | tr / _ | sed "s/\.c$/.o/")"; emcc -O3 -msimd128 -msse2 -msse4.1 -DNDEBUG -ffile-prefix-map="$WEBP"=libwebp -I"$WEBP" -I"$WEBP/src" -c "$f" -o "$o"' _ {}
emar rcs "$WORK/libwebpenc.a" "$WORK"/webp/*.o

# libaom is patched (on a copy of its tree), so work on a copy.
cp -a "$AOM" "$WORK/aom-src"; AOM="$WORK/aom-src"

# Patch 1 (memory): libaom keeps the whole frame's quantized coefficients from the RD pass
# until it packs the bitstream (CoeffBufferPool.tcoeff), as tran_low_t = int32_t: 4 bytes
# for each luma and chroma sample, 12.7 MB at 1920x1080 (a third of the encoder's memory).
# 8-bit AV1 coefficients fit int16_t (|qcoeff| < 2^15), so store them as int16_t
# (saturated, as a guard) and widen them again when writing. Output is byte-identical
# (checked: 1920x1080 and the other frames of codec/jpeg/check-avif.mjs); saves 6.3 MB at 1920x1080.
python3 - "$AOM" <<'PY'
import sys
root = sys.argv[1]
def patch(rel, old, new, count):
    p = f"{root}/{rel}"
    s = open(p).read()
    n = s.count(old)
    if n != count:
        sys.exit(f"{rel}: expected {count} match(es) of the patch target, found {n}")
    open(p, "w").write(s.replace(old, new))
patch("av1/encoder/block.h", "  tran_low_t *tcoeff[MAX_MB_PLANE];", "  int16_t *tcoeff[MAX_MB_PLANE];", 1)
patch("av1/encoder/encoder.h", """   * Pointer to the transformed coefficients buffer.
   */
  tran_low_t *tcoeff;""", """   * Pointer to the transformed coefficients buffer.
   */
  int16_t *tcoeff;""", 1)
patch("av1/encoder/encodetxb.c", "  tran_low_t *tcoeff_ptr = coeff_buf_pool->tcoeff;", "  int16_t *tcoeff_ptr = coeff_buf_pool->tcoeff;", 1)
# Writing (av1_write_coeffs_txb): widen the stored block (at most 32x32 coded) into int32.
patch("av1/encoder/encodetxb.c", """  const tran_low_t *tcoeff_txb =
      cb_coef_buff->tcoeff[plane] + x->mbmi_ext_frame->cb_offset[plane_type];
  const tran_low_t *tcoeff = tcoeff_txb + BLOCK_OFFSET(block);
""", """  const int16_t *tcoeff_txb =
      cb_coef_buff->tcoeff[plane] + x->mbmi_ext_frame->cb_offset[plane_type];
  const int16_t *const tcoeff_stored = tcoeff_txb + BLOCK_OFFSET(block);
  DECLARE_ALIGNED(16, tran_low_t, tcoeff_buf[32 * 32]);
  for (int i = 0; i < width * height; ++i) tcoeff_buf[i] = tcoeff_stored[i];
  const tran_low_t *tcoeff = tcoeff_buf;
""", 1)
# Recording (av1_update_and_record_txb_context, av1_record_txb_context): store narrowed,
# go on reading qcoeff (the same values) where the code read its int32 copy.
patch("av1/encoder/encodetxb.c", """    tran_low_t *tcoeff_txb =
        cb_coef_buff->tcoeff[plane] + x->mbmi_ext_frame->cb_offset[plane_type];
    tcoeff = tcoeff_txb + block_offset;
    memcpy(tcoeff, qcoeff, sizeof(*tcoeff) * seg_eob);
""", """    int16_t *tcoeff_txb =
        cb_coef_buff->tcoeff[plane] + x->mbmi_ext_frame->cb_offset[plane_type];
    int16_t *const tcoeff_stored = tcoeff_txb + block_offset;
    for (int i = 0; i < seg_eob; ++i)
      tcoeff_stored[i] = (int16_t)clamp(qcoeff[i], INT16_MIN, INT16_MAX);
    tcoeff = qcoeff;
""", 2)
print("libaom: coefficient buffer patched to int16_t")
PY

# 3e. Static libaom: encoder only, plain C (no x86/NEON asm exists for wasm; AOM_TARGET_CPU=generic),
# no threads (one per isolate), 8-bit only, no decoder/WebM/tools/tests/docs. CONFIG_REALTIME_ONLY
# stays 0: libavif's still images use AOM_USAGE_ALL_INTRA, which needs the good-quality code.
# CONFIG_DENOISE=0 drops the noise model (film grain estimation, off by default anyway).
# CONFIG_LIBYUV=0: libaom's own copy of libyuv is only for its tools' scaling.
# NDEBUG drops asserts; -ffile-prefix-map keeps __FILE__ free of the random temp dir.
# -sSUPPORT_LONGJMP=wasm: libaom's error handling setjmp()s in encoder_init/encode and
# longjmp()s on errors (e.g. allocation failures). Without it emcc lowers setjmp with
# JS "invoke_*" trampolines, which a standalone module has no glue for.
AOM_FLAGS="-O3 -msimd128 -sSUPPORT_LONGJMP=wasm -DNDEBUG -ffile-prefix-map=$AOM=aom"
emcmake cmake -S "$AOM" -B "$WORK/aom-build" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_FLAGS="$AOM_FLAGS" -DCMAKE_CXX_FLAGS="$AOM_FLAGS" \
  -DCMAKE_CROSSCOMPILING_EMULATOR="$NODE_BIN;--no-experimental-fetch" \
  -DAOM_TARGET_CPU=generic -DCONFIG_RUNTIME_CPU_DETECT=0 -DCONFIG_MULTITHREAD=0 \
  -DCONFIG_AV1_DECODER=0 -DCONFIG_AV1_HIGHBITDEPTH=0 -DCONFIG_WEBM_IO=0 -DCONFIG_LIBYUV=0 \
  -DCONFIG_ACCOUNTING=0 -DCONFIG_INSPECTION=0 -DCONFIG_DENOISE=0 -DCONFIG_INTERNAL_STATS=0 \
  -DCONFIG_TUNE_VMAF=0 -DCONFIG_TUNE_BUTTERAUGLI=0 \
  -DENABLE_DOCS=0 -DENABLE_TESTS=0 -DENABLE_EXAMPLES=0 -DENABLE_TOOLS=0 -DENABLE_NASM=0
cmake --build "$WORK/aom-build" --target aom -j"$(nproc)"

# 3f. Static libavif, compiled straight with emcc: the core plus codec_aom.c, encoder side only
# (AVIF_CODEC_AOM_ENCODE, no decoder codec), without libyuv or libsharpyuv (their files then
# compile to stubs; libavif's own C does RGB->YUV and 2x2-average 4:2:0 downsampling).
mkdir -p "$WORK/avif"
export AVIF AOM
for f in alpha avif colr diag exif io obu rawdata read reformat reformat_libsharpyuv reformat_libyuv scale stream utils write codec_aom mem; do
  echo "$AVIF/src/$f.c"
done | xargs -P"$(nproc)" -I{} sh -c \
  'emcc -O3 -msimd128 -DNDEBUG -DAVIF_CODEC_AOM=1 -DAVIF_CODEC_AOM_ENCODE=1 -ffile-prefix-map="$AVIF"=libavif -I"$AVIF/include" -I"$AOM" -c "$1" -o "$WORK/avif/$(basename "$1" .c).o"' _ {}
emar rcs "$WORK/libavif.a" "$WORK"/avif/*.o

# 4. Link the codec. Standalone wasm, no JS glue: the only imports are a few
# wasi stubs (libaom links stdio's fd_* and clock_time_get), env.emscripten_notify_memory_growth,
# env.getTempRet0/setTempRet0 (the wasm setjmp lowering) and our env.jd_fill.
# INITIAL_MEMORY=2MB: libaom's static tables and the 128 KB stack do not fit in 1 MB.
# MEMORY_GROWTH_GEOMETRIC_STEP=0: grow to what malloc asks for (64 KiB pages), not 20% past
# it (emscripten's default), so the memory is what the plan counts, and the ceiling is not
# hit by the overshoot of a request that fits (docs/memory-plan.md).
# SUPPORT_LONGJMP=wasm: libjpeg's error_exit longjmps back to the export
# (Wasm exception handling, which Node 20 and workerd both run).
# A JS "library" entry is how emcc 3.1.6 learns that env.jd_fill is an import.
echo 'mergeInto(LibraryManager.library, { jd_fill: function () {} });' > "$WORK/imports.js"
mkdir -p "$(dirname "$OUT")"
# -msimd128: WASM SIMD (Node 20, workerd) for the resampler's inner loops.
emcc -O3 -msimd128 -sSUPPORT_LONGJMP=wasm \
  -I"$SRC" -I"$WORK/build" -I"$LCMS/include" -I"$ZLIB" -I"$WEBP/src" -I"$AVIF/include" -DCMS_NO_PTHREADS=1 \
  "$HERE/decoder.c" "$HERE/encoder.c" "$HERE/resize.c" "$HERE/colour.c" "$HERE/png.c" "$HERE/webp.c" "$HERE/avif.c" \
  "$WORK/build/libjpeg.a" "$WORK/liblcms2.a" "$WORK/libz.a" "$WORK/libwebpenc.a" "$WORK/libavif.a" "$WORK/aom-build/libaom.a" \
  --no-entry -sSTANDALONE_WASM -sFILESYSTEM=0 \
  -sALLOW_MEMORY_GROWTH=1 -sMEMORY_GROWTH_GEOMETRIC_STEP=0 -sINITIAL_MEMORY=2MB -sTOTAL_STACK=128KB \
  --js-library "$WORK/imports.js" \
  -o "$WORK/codec.wasm"
cp "$WORK/codec.wasm" "$OUT"
ls -l "$OUT"
"$NODE_BIN" -e 'const m = new WebAssembly.Module(require("fs").readFileSync(process.argv[1]));
  console.log("imports:", WebAssembly.Module.imports(m).map(i => i.module + "." + i.name + ":" + i.kind).join(" "));
  console.log("exports:", WebAssembly.Module.exports(m).map(e => e.name).join(" "));' "$OUT"
