#!/usr/bin/env bash
# Checks what the pipeline needs from the system and, on Debian/Ubuntu, installs it:
#   a CJK font (fonts-noto-cjk), an emoji font, Pango/HarfBuzz for WeasyPrint, poppler-utils and qpdf
#   (the tests read the PDFs with pdftotext/pdffonts/pdftoppm and check them with qpdf),
#   and Chromium (the tests open the HTML mail body in headless Chromium at phone width).
# Elsewhere it stops with the exact command to run.
set -euo pipefail

missing=()
fc-list :lang=zh family 2>/dev/null | grep -qi "Noto Sans CJK SC" || missing+=(fonts-noto-cjk)
fc-list :lang=zh family 2>/dev/null | grep -qi "Noto Serif CJK SC" || missing+=(fonts-noto-cjk)
fc-list 2>/dev/null | grep -qi "Noto Color Emoji" || missing+=(fonts-noto-color-emoji)  # names with emoji
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v qpdf >/dev/null 2>&1 || missing+=(qpdf)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so" || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p 2>/dev/null | grep -q "libharfbuzz-subset.so" || missing+=(libharfbuzz-subset0)
[ ${#missing[@]} -eq 0 ] && exit 0

packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing system packages: $packages"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $packages >/dev/null
  fc-cache -f >/dev/null 2>&1 || true
  exit 0
fi
echo "Missing system packages: $packages" >&2
echo "On Debian/Ubuntu: sudo apt-get install -y $packages" >&2
echo "On Fedora: sudo dnf install -y google-noto-sans-cjk-fonts google-noto-serif-cjk-fonts google-noto-color-emoji-fonts poppler-utils qpdf pango harfbuzz chromium" >&2
echo "On macOS: brew install --cask font-noto-sans-cjk-sc font-noto-serif-cjk-sc && brew install poppler qpdf pango && brew install --cask chromium" >&2
exit 1
