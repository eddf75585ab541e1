#!/usr/bin/env bash
# Installs the system packages the test suite needs when they are missing:
# Debian's chromium (browser tests), postgresql (storage tests on a real server) and poppler-utils
# (pdftoppm/pdftotext: the PDF report is turned into page images and text).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
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
