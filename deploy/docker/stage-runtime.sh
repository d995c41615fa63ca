#!/bin/sh
# Stages built binaries for the runtime images, in the Dockerfile's build
# stage (and in tests/deploy on the host, which is the same Debian release):
#
#   stage-runtime.sh BIN_DIR OUT_DIR [SOURCE_DIR]
#
# OUT_DIR/bin/       the five binaries, stripped
# OUT_DIR/deps/NAME  the Debian runtime packages NAME needs, one a line: the
#                    packages owning the shared libraries ldd finds, so a new
#                    library in CMake needs no change here
# OUT_DIR/share/scanopy/fingerprint/  the built-in fingerprint definitions,
#                    when the source tree has them
set -eu
BIN=$1 OUT=$2 SRC=${3:-.}
BINARIES="scanopy-gateway scanopy-fingerprint scanopy-topology scanopy-scheduler scanopy-daemon"

mkdir -p "$OUT/bin" "$OUT/deps" "$OUT/share/scanopy/fingerprint"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for b in $BINARIES; do
	[ -x "$BIN/$b" ] || { echo "stage-runtime: $BIN/$b is missing" >&2; exit 1; }
	cp "$BIN/$b" "$OUT/bin/$b"
	strip --strip-unneeded "$OUT/bin/$b" 2>/dev/null || true
	# ldd prints "libx.so.N => /path (addr)"; the loader and vdso need no package.
	ldd "$BIN/$b" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' >"$TMP/$b.libs"
done
# One dpkg -S for every library (it reads the whole package database each
# time), under each name the file may be registered as (merged /usr).
cat "$TMP"/*.libs | sort -u | while read -r lib; do
	echo "$lib"; readlink -f "$lib"; echo "/usr$lib"
done | sort -u >"$TMP/paths"
# shellcheck disable=SC2046
dpkg -S $(cat "$TMP/paths") 2>/dev/null >"$TMP/owners" || true
for b in $BINARIES; do
	: >"$OUT/deps/$b"
	while read -r lib; do
		pkg=
		for p in "$lib" "$(readlink -f "$lib")" "/usr$lib"; do
			pkg=$(grep -F ": $p" "$TMP/owners" | awk -F': ' -v p="$p" '$2 == p {print $1; exit}')
			[ -n "$pkg" ] && break
		done
		[ -n "$pkg" ] || { echo "stage-runtime: no package owns $lib (needed by $b)" >&2; exit 1; }
		echo "${pkg%%:*}" | sed 's/,.*//' >>"$OUT/deps/$b"
	done <"$TMP/$b.libs"
	sort -u -o "$OUT/deps/$b" "$OUT/deps/$b"
	[ -s "$OUT/deps/$b" ] || { echo "stage-runtime: no dependencies found for $b" >&2; exit 1; }
done
sort -u "$OUT"/deps/scanopy-* >"$OUT/deps/all"
if [ -d "$SRC/svc-fingerprint/definitions" ]; then
	cp -R "$SRC/svc-fingerprint/definitions/." "$OUT/share/scanopy/fingerprint/"
fi
echo "staged: $(cd "$OUT/bin" && echo *); runtime packages: $(tr '\n' ' ' <"$OUT/deps/all")"
