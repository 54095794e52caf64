#!/usr/bin/env bash
# Regenerate the committed binary assets. Not part of the normal build:
# run it only to refresh them (needs fonts-wqy-microhei, python3-fonttools,
# imagemagick).
#
# - assets/fonts/wqy-microhei.ttf: first face of Debian's wqy-microhei.ttc
#   (Fyne and gofpdf reject .ttc collections). fontTools stamps head.modified
#   at extraction, so a re-extraction differs from the committed file in that
#   timestamp (and the checksums) only.
# - assets/icon.png: 512x512 blue rounded square with a white 立.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ttc=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
if [[ ! -f $ttc ]] || ! /usr/bin/python3 -c 'import fontTools' 2>/dev/null || ! command -v convert >/dev/null; then
	echo "gen-assets: needs fonts-wqy-microhei, python3-fonttools and imagemagick:" >&2
	echo "gen-assets:   apt-get install -y --no-install-recommends fonts-wqy-microhei python3-fonttools imagemagick" >&2
	exit 1
fi

/usr/bin/python3 -c "from fontTools.ttLib import TTCollection; TTCollection('$ttc').fonts[0].save('assets/fonts/wqy-microhei.ttf')"
echo "gen-assets: wrote assets/fonts/wqy-microhei.ttf"

convert -size 512x512 xc:none -fill '#1E5BB8' -draw 'roundrectangle 16,16 495,495 96,96' \
	-font assets/fonts/wqy-microhei.ttf -fill white -pointsize 340 -gravity center -annotate +0+10 '立' \
	-strip -define png:exclude-chunks=date,time PNG32:assets/icon.png
echo "gen-assets: wrote assets/icon.png"
