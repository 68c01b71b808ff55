#!/bin/sh
# gen.sh remakes digits/*.pcm.gz, the spoken digits the audio captcha
# mixes: eSpeak NG's American English voice saying each digit's word,
# trimmed of silence, normalised to -1 dBFS, resampled to 16000 Hz mono
# and stored as 8-bit G.711 mu-law (as good as 13-bit linear for speech),
# gzipped. Needs espeak-ng and sox
# (apt-get install espeak-ng sox).
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
i=0
for w in zero one two three four five six seven eight nine; do
	espeak-ng -v en-us -s 130 -w "$tmp/$w.wav" "$w"
	sox "$tmp/$w.wav" -r 16000 -b 8 -c 1 -e u-law -t raw "$tmp/$w.raw" \
		silence 1 0.01 0.5% reverse silence 1 0.01 0.5% reverse gain -n -1
	gzip -9 -n -c "$tmp/$w.raw" >"digits/$i.pcm.gz"
	i=$((i + 1))
done
