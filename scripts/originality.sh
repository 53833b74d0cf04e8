#!/usr/bin/env bash
# make originality-report: the originality check measured on photographs
# and artwork nobody here made — the wallpapers Debian ships in
# mate-backgrounds, ukui-wallpapers and lomiri-wallpapers (downloaded with
# apt-get download, unpacked with dpkg-deb, cached outside git in
# $PASTEL_IMAGE_CACHE, default ~/.cache/pastel-originality). Prints, at the
# chain's fingerprint distance, the share of each kind of edited copy that
# is caught (by the chain's own check or by the attesters' crop probes) and
# the false positives among distinct images. Extra image folders can be
# given as arguments.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${PASTEL_IMAGE_CACHE:-$HOME/.cache/pastel-originality}
PKGS=${ORIGINALITY_PACKAGES:-"mate-backgrounds ukui-wallpapers lomiri-wallpapers"}
mkdir -p "$CACHE"
if [ ! -d "$CACHE/extracted" ]; then
  command -v apt-get >/dev/null || { echo "originality: needs apt-get (Debian) to fetch the images, or pass image folders" >&2; exit 2; }
  (cd "$CACHE" && apt-get download $PKGS) || {
    echo "originality: apt-get download failed; run 'sudo apt-get update' first, or pass image folders as arguments" >&2
    exit 2
  }
  for d in "$CACHE"/*.deb; do dpkg-deb -x "$d" "$CACHE/extracted"; done
fi
go run ./bench/originality -distance "${DISTANCE:-6}" "$CACHE/extracted" "$@"
