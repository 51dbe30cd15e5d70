#!/usr/bin/env bash
# Run every test: unit tests, the real embedding model, a Chroma server, and the chat page in headless Chromium.
# Installs Debian's chromium if it is missing and we may (root); never `playwright install`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -qq chromium chromium-driver fonts-noto-color-emoji >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null && apt-get install -y -qq chromium chromium-driver fonts-noto-color-emoji >/dev/null; }
  else
    echo "Browser tests need Debian's chromium: sudo apt-get install chromium chromium-driver" >&2
  fi
fi
exec .venv/bin/python -m pytest "$@"
