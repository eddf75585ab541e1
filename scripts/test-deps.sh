#!/usr/bin/env bash
# Installs the system packages the test suite needs when they are missing:
# Debian's chromium (browser tests), postgresql (storage tests on a real server) and poppler-utils
# (pdftotext/pdftoppm: the text and pages of generated PDFs) and fonts-dejavu-core (DejaVu Sans, the font
# the PDF report embeds so that −, √ and ▲/▼ print as written; without it the PDF falls back to
# Helvetica and Latin-1 equivalents).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
        echo "test-deps: missing ${need[*]} and not root; install them with apt-get" >&2
        exit 1
    fi
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    echo "test-deps: installing ${need[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
