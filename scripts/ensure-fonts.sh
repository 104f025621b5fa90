#!/usr/bin/env bash
# The simulator writes each prompt into its videos; Chinese, Japanese and Korean prompts need a
# CJK font (Pillow's own has none). Install Debian's fonts-wqy-microhei (1.6 MB download,
# Apache-2.0 or GPL-3+ with the font exception) when no CJK font is found; as root on CI, else
# through sudo. Elsewhere (no apt-get: macOS, Windows) the system's own CJK fonts are used.
# Under CI=true a failed install is an error; otherwise the simulator warns and draws boxes.
set -euo pipefail
known=(
  /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
  /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
  /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf
)
for font in "${known[@]}"; do
  if [ -f "$font" ]; then exit 0; fi
done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-fonts: no apt-get here; the simulator uses the system's CJK fonts if it has any" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if $SUDO apt-get update -qq && \
   $SUDO apt-get install -y -qq --no-install-recommends fonts-wqy-microhei fonts-dejavu-core >/dev/null; then
  exit 0
fi
case "${CI:-}" in
  1|true|TRUE|True|yes) echo "ensure-fonts: could not install fonts-wqy-microhei" >&2; exit 1 ;;
esac
echo "ensure-fonts: could not install fonts-wqy-microhei; CJK prompts will be drawn as boxes" >&2
