#!/usr/bin/env bash
# Builds src/processor/codec/codec.wasm (JPEG decoder, JPEG encoder,
# Lanczos resampler, colour conversion, PNG's zlib work and the WebP encoder:
# codec/jpeg/{decoder,encoder,resize,colour,png,webp}.c) from Debian bookworm's
# libjpeg-turbo, lcms2, zlib and libwebp sources, with Debian's emscripten (3.1.6).
# Run by hand (as root, or with sudo available for apt) on Debian 12:
#   codec/jpeg/build.sh
# Env: LIBJPEG_SRC=/path/to/libjpeg-turbo-2.1.5, LCMS2_SRC=/path/to/lcms2-2.14 and
#      ZLIB_SRC=/path/to/zlib-1.2.13.dfsg and LIBWEBP_SRC=/path/to/libwebp-1.2.4
#      reuse unpacked source trees instead of
#      `apt-get source`; KEEP=1 keeps
#      the temp build dir.
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
  (cd "$WORK" && apt-get source libjpeg-turbo)
  SRC="$(ls -d "$WORK"/libjpeg-turbo-*/ | head -n1)"
fi
echo "libjpeg-turbo source: $SRC"

# lcms2 source (2.14-2+deb12u1 in bookworm), Debian patches applied by dpkg-source.
if [ -n "${LCMS2_SRC:-}" ]; then
  LCMS="$LCMS2_SRC"  # only read
else
  (cd "$WORK" && apt-get source lcms2)
  LCMS="$(ls -d "$WORK"/lcms2-*/ | head -n1)"
fi
echo "lcms2 source: $LCMS"

# zlib source (1:1.2.13.dfsg-1 in bookworm), Debian patches applied by dpkg-source.
if [ -n "${ZLIB_SRC:-}" ]; then
  ZLIB="$ZLIB_SRC"  # only read
else
  (cd "$WORK" && apt-get source zlib)
  ZLIB="$(ls -d "$WORK"/zlib-*/ | head -n1)"
fi
ZLIB="${ZLIB%/}"
echo "zlib source: $ZLIB"

# libwebp source (1.2.4-0.2+deb12u1 in bookworm), Debian patches applied by dpkg-source.
if [ -n "${LIBWEBP_SRC:-}" ]; then
  WEBP="$LIBWEBP_SRC"  # only read
else
  (cd "$WORK" && apt-get source libwebp)
  WEBP="$(ls -d "$WORK"/libwebp-*/ | head -n1)"
fi
WEBP="${WEBP%/}"
echo "libwebp source: $WEBP"

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

# 4. Link the decoder. Standalone wasm, no JS glue: the only imports are a few
# wasi stubs, env.emscripten_notify_memory_growth and our env.jd_fill.
# SUPPORT_LONGJMP=wasm: libjpeg's error_exit longjmps back to the export
# (Wasm exception handling, which Node 20 and workerd both run).
# A JS "library" entry is how emcc 3.1.6 learns that env.jd_fill is an import.
echo 'mergeInto(LibraryManager.library, { jd_fill: function () {} });' > "$WORK/imports.js"
mkdir -p "$(dirname "$OUT")"
# -msimd128: WASM SIMD (Node 20, workerd) for the resampler's inner loops.
emcc -O3 -msimd128 -sSUPPORT_LONGJMP=wasm \
  -I"$SRC" -I"$WORK/build" -I"$LCMS/include" -I"$ZLIB" -I"$WEBP/src" -DCMS_NO_PTHREADS=1 \
  "$HERE/decoder.c" "$HERE/encoder.c" "$HERE/resize.c" "$HERE/colour.c" "$HERE/png.c" "$HERE/webp.c" \
  "$WORK/build/libjpeg.a" "$WORK/liblcms2.a" "$WORK/libz.a" "$WORK/libwebpenc.a" \
  --no-entry -sSTANDALONE_WASM -sFILESYSTEM=0 \
  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=1MB -sTOTAL_STACK=128KB \
  --js-library "$WORK/imports.js" \
  -o "$WORK/codec.wasm"
cp "$WORK/codec.wasm" "$OUT"
ls -l "$OUT"
"$NODE_BIN" -e 'const m = new WebAssembly.Module(require("fs").readFileSync(process.argv[1]));
  console.log("imports:", WebAssembly.Module.imports(m).map(i => i.module + "." + i.name + ":" + i.kind).join(" "));
  console.log("exports:", WebAssembly.Module.exports(m).map(e => e.name).join(" "));' "$OUT"
