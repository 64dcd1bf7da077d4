#!/usr/bin/env bash
# Builds codec/webp/webp_enc.wasm (lossy WebP encoder: codec/webp/encoder.c)
# from Debian bookworm's libwebp source (1.2.4) with Debian's emscripten
# (3.1.6). Measured against @jsquash/webp and sharp by npm run bench:formats
# (docs/formats.md); the processor does not use it yet.
# Run by hand (as root, or with sudo available for apt) on Debian 12:
#   codec/webp/build.sh
# Env: LIBWEBP_SRC=/path/to/libwebp-1.2.4 reuses an unpacked source tree
#      instead of `apt-get source`; KEEP=1 keeps the temp build dir.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${OUT:-$HERE/webp_enc.wasm}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

# 1. Tools from Debian: emscripten (clang-14 + binaryen), dpkg-dev for apt-get source.
missing=()
command -v emcc >/dev/null || missing+=(emscripten)
command -v dpkg-source >/dev/null || missing+=(dpkg-dev)
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
fi

WORK="$(mktemp -d /tmp/webp-build.XXXXXX)"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

# 2. libwebp source (1.2.4-0.2+deb12u1 in bookworm), Debian patches applied by dpkg-source.
if [ -n "${LIBWEBP_SRC:-}" ]; then
  SRC="$LIBWEBP_SRC"  # only read
else
  if ! grep -rqsE '^(deb-src |Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    $SUDO tee /etc/apt/sources.list.d/bookworm-src.sources >/dev/null <<'SRCS'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRCS
    $SUDO apt-get update
  fi
  (cd "$WORK" && apt-get source libwebp)
  SRC="$(ls -d "$WORK"/libwebp-*/ | head -n1)"
fi
SRC="${SRC%/}"
echo "libwebp source: $SRC"

# 3. The encoder's sources only (enc, the shared dsp/utils, sharpyuv), compiled
# straight with emcc: no configure step to fool. -msse2 -msse4.1: libwebp's SSE
# paths, which emscripten maps onto WASM SIMD (libwebp's cpu.c enables them
# for EMSCRIPTEN from these flags); without them the plain C was ~1.3x slower.
# NDEBUG drops asserts that embed __FILE__ (the random temp dir).
# Node 20 pitfall (see /work/shared/notes/toolchain.md): emcc's JS needs acorn.
export NODE_PATH=/usr/share/nodejs
mkdir -p "$WORK/obj"
export SRC WORK
ls "$SRC"/src/enc/*.c "$SRC"/src/dsp/*.c "$SRC"/src/utils/*.c "$SRC"/sharpyuv/*.c | xargs -P"$(nproc)" -I{} sh -c \
  'f="$1"; o="$WORK/obj/$(echo "${f#$SRC/}" | tr / _ | sed "s/\.c$/.o/")"; emcc -O3 -msimd128 -msse2 -msse4.1 -DNDEBUG -ffile-prefix-map="$SRC"=libwebp -I"$SRC" -I"$SRC/src" -c "$f" -o "$o"' _ {}
emar rcs "$WORK/libwebpenc.a" "$WORK"/obj/*.o

# 4. Link: standalone wasm, no JS glue; the only imports are a few wasi stubs and
# env.emscripten_notify_memory_growth, as for codec/jpeg.
emcc -O3 -msimd128 -msse2 -msse4.1 -I"$SRC/src" "$HERE/encoder.c" "$WORK/libwebpenc.a" \
  --no-entry -sSTANDALONE_WASM -sFILESYSTEM=0 \
  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=1MB -sTOTAL_STACK=128KB \
  -o "$WORK/webp_enc.wasm"
cp "$WORK/webp_enc.wasm" "$OUT"
ls -l "$OUT"
node -e 'const m = new WebAssembly.Module(require("fs").readFileSync(process.argv[1]));
  console.log("imports:", WebAssembly.Module.imports(m).map(i => i.module + "." + i.name + ":" + i.kind).join(" "));
  console.log("exports:", WebAssembly.Module.exports(m).map(e => e.name).join(" "));' "$OUT"
