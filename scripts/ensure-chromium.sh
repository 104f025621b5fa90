#!/usr/bin/env bash
# Browser tests drive Debian's chromium through Python Playwright (Playwright cannot download its
# own browser here). Install it when it is missing; we run as root on CI, else through sudo.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
command -v chromium
