#!/usr/bin/env bash
# make.sh regenerates every audio fixture in this directory, the broken corpus in
# broken/, and expected.json (the values the probe tests check, durations measured by
# a full decode). Needs ffmpeg (with libmp3lame, aac, flac, libvorbis), python3 and jq.
# Run from anywhere: bash testdata/audio/make.sh
set -euo pipefail
cd "$(dirname "$0")"
command -v ffmpeg >/dev/null || { echo "make.sh: ffmpeg is missing (apt-get install -y ffmpeg)" >&2; exit 1; }
command -v id3v2 >/dev/null || { echo "make.sh: id3v2 is missing (apt-get install -y id3v2)" >&2; exit 1; }
command -v jq >/dev/null || { echo "make.sh: jq is missing (apt-get install -y jq)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }

# Sources: a 440 Hz sine (steady, so CBR and VBR look alike) and a signal that switches
# between a quiet sine and loud noise every half second (so VBR frame sizes really vary).
ff -f lavfi -i "sine=frequency=440:duration=3:sample_rate=22050" "$tmp/sine.wav"
ff -f lavfi -i "aevalsrc=if(lt(mod(t\,1)\,0.5)\,0.3*sin(2*PI*440*t)\,0.5*(random(0)*2-1)):s=22050:d=2.5" "$tmp/mixed.wav"
# Artwork: a 16x16 PNG and a 16x16 JPEG.
ff -f lavfi -i "color=c=0x3366cc:s=16x16" -frames:v 1 "$tmp/cover.png"
ff -f lavfi -i "color=c=0xcc6633:s=16x16" -frames:v 1 -pix_fmt yuvj420p "$tmp/cover.jpg"
# Chapters for CHAP frames and MP4 chapters.
cat >"$tmp/chapters.txt" <<'EOF'
;FFMETADATA1
title=Kapitel och tider
artist=Lyssna Test
album=Fixtures
date=2023
track=7
comment=Three chapters.
[CHAPTER]
TIMEBASE=1/1000
START=0
END=1000
title=Intro
[CHAPTER]
TIMEBASE=1/1000
START=1000
END=2200
title=Mitt – del två
[CHAPTER]
TIMEBASE=1/1000
START=2200
END=3000
title=Outro
EOF

# cbr.mp3: LAME CBR 32 kbit/s mono 22.05 kHz, LAME "Info" header, ID3v2.4 (UTF-8 text).
ff -i "$tmp/sine.wav" -c:a libmp3lame -b:a 32k -ac 1 -id3v2_version 4 \
  -metadata title="Ångström & co" -metadata artist="Lyssna Test" -metadata album="Fixtures" \
  -metadata date=2021 -metadata track=3 -metadata comment="CBR comment" cbr.mp3
# vbr-xing.mp3: LAME VBR -q:a 7 with a Xing header, ID3v2.3 (UTF-16 text for non-ASCII).
ff -i "$tmp/mixed.wav" -c:a libmp3lame -q:a 7 -ac 1 -id3v2_version 3 \
  -metadata title="Väder – vind" -metadata artist="Åsa Öberg" -metadata album="Fixtures" \
  -metadata date=2022 -metadata track=12 -metadata comment="VBR comment" vbr-xing.mp3
# vbr-noxing.mp3: the same VBR encode without a Xing header and without any tag.
ff -i "$tmp/mixed.wav" -c:a libmp3lame -q:a 7 -ac 1 -write_xing 0 -id3v2_version 0 vbr-noxing.mp3
# v1.mp3: CBR 24 kbit/s with only an ID3v1.1 tag at the end, written by id3v2 (id3lib) -1
# (ffmpeg's -write_id3v1 drops most fields when no ID3v2 tag is written).
ff -i "$tmp/sine.wav" -c:a libmp3lame -b:a 24k -ac 1 -id3v2_version 0 v1.mp3
id3v2 -1 -t "Version one" -a "Lyssna Test" -A "Fixtures" -y 1999 -T 5 -c "v1 comment" v1.mp3
# art.mp3: ID3v2.3 with a JPEG in an APIC frame (ffmpeg attached picture).
ff -i "$tmp/sine.wav" -i "$tmp/cover.jpg" -map 0:a -map 1:v -c:a libmp3lame -b:a 32k -ac 1 -c:v copy \
  -id3v2_version 3 -disposition:v attached_pic -metadata:s:v title="Cover" -metadata:s:v comment="Cover (front)" \
  -metadata title="With artwork" -metadata artist="Lyssna Test" art.mp3
# chapters.mp3: ID3v2.4 CHAP and CTOC frames written by ffmpeg from an ffmetadata file.
ff -i "$tmp/sine.wav" -i "$tmp/chapters.txt" -map 0:a -map_metadata 1 -map_chapters 1 \
  -c:a libmp3lame -b:a 32k -ac 1 -id3v2_version 4 chapters.mp3
# chapters.m4a: AAC-LC 24 kbit/s in an M4A (ffmpeg's ipod muxer writes a Nero chpl atom and a
# QuickTime chapter text track), iTunes tags, a PNG cover, track number 300 (over 8 bits).
ff -i "$tmp/sine.wav" -i "$tmp/chapters.txt" -i "$tmp/cover.png" -map 0:a -map 2:v -map_metadata 1 -map_chapters 1 \
  -c:a aac -b:a 24k -ac 1 -c:v copy -disposition:v attached_pic -metadata track=300 chapters.m4a
# v22.mp3: an ID3v2.2 tag (TT2, TP1, TAL, TYE, TRK, COM, PIC with a PNG) written by
# id3v22.py, followed by tag-less CBR audio.
ff -i "$tmp/sine.wav" -c:a libmp3lame -b:a 32k -ac 1 -id3v2_version 0 "$tmp/plain.mp3"
python3 id3v22.py "$tmp/cover.png" "$tmp/plain.mp3" v22.mp3

# Broken corpus: every file must be refused by Sniff or Probe with a clear error.
mkdir -p broken
rm -f broken/*
: >broken/empty.mp3
head -c 4000 cbr.mp3 >broken/truncated.mp3
python3 - <<'EOF'
import random, struct
rnd = random.Random(4)
def syncsafe(n):
    return bytes([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f])
# A valid empty-ish ID3v2.4 tag followed by random bytes instead of audio.
open("broken/id3-random.mp3", "wb").write(b"ID3\x04\x00\x00" + syncsafe(16) + b"\x00" * 16 + bytes(rnd.randrange(256) for _ in range(4096)))
# An ID3 header declaring a 256 MiB tag in a 1 KiB file.
open("broken/huge-tag.mp3", "wb").write(b"ID3\x03\x00\x00" + syncsafe(256 << 20) + bytes(rnd.randrange(256) for _ in range(1024)))
# An ID3v2.3 tag whose TIT2 frame declares 2 GiB, inside a 64-byte tag, then no audio.
frame = b"TIT2" + struct.pack(">I", 0x7fffffff) + b"\x00\x00" + b"\x00hello"
tag = frame + b"\x00" * (64 - len(frame))
open("broken/huge-frame.mp3", "wb").write(b"ID3\x03\x00\x00" + syncsafe(len(tag)) + tag)
# An ID3v2.4 frame with a data length indicator of 256 MiB, then no audio.
frame = b"TIT2" + syncsafe(9) + b"\x00\x01" + syncsafe(256 << 20) + b"\x03hello"
tag = frame + b"\x00" * (64 - len(frame))
open("broken/huge-dli.mp3", "wb").write(b"ID3\x04\x00\x00" + syncsafe(len(tag)) + tag + b"\x00" * 8)
# An MP4 whose moov box declares 4 GiB in a small file.
ftyp = struct.pack(">I4s4sI4s4s", 24, b"ftyp", b"M4A ", 0, b"M4A ", b"isom")
open("broken/huge-box.m4a", "wb").write(ftyp + struct.pack(">I4s", 0xfffffff0, b"moov") + b"\x00" * 256)
# An MP4 whose moov uses a 64-bit size of 2^62.
open("broken/huge-box64.m4a", "wb").write(ftyp + struct.pack(">I4sQ", 1, b"moov", 1 << 62) + b"\x00" * 256)
# An M4A with no moov at all.
open("broken/no-moov.m4a", "wb").write(ftyp + struct.pack(">I4s", 1032, b"mdat") + bytes(rnd.randrange(256) for _ in range(1024)))
# Random bytes.
open("broken/random.mp3", "wb").write(bytes(rnd.randrange(256) for _ in range(4096)))
# HTML.
open("broken/page.mp3", "wb").write(b"<!DOCTYPE html>\n<html><body>Not audio</body></html>\n")
EOF
# A PNG, a WAV, a FLAC, an Ogg Vorbis file, and a FLAC behind an ID3 tag, all named .mp3.
cp "$tmp/cover.png" broken/png.mp3
ff -i "$tmp/sine.wav" -t 0.2 -f wav broken/wav.mp3
ff -i "$tmp/sine.wav" -t 0.2 -c:a flac -f flac broken/flac.mp3
ff -i "$tmp/sine.wav" -t 0.2 -c:a libvorbis -fflags +bitexact -f ogg broken/ogg.mp3
ff -i "$tmp/sine.wav" -t 0.2 -c:a flac -f flac "$tmp/x.flac"
{ printf 'ID3\x04\x00\x00\x00\x00\x00\x00'; cat "$tmp/x.flac"; } >broken/id3-flac.mp3

# expected.json: what each fixture must probe as. Durations come from a full decode with
# ffmpeg (every decoded sample counted), never from a header.
decoded_ms() {
  local rate samples
  rate=$(ffprobe -v error -select_streams a:0 -show_entries stream=sample_rate -of csv=p=0 "$1")
  samples=$(( $(ffmpeg -hide_banner -loglevel error -nostdin -i "$1" -map 0:a:0 -f s16le -ac 1 - | wc -c) / 2 ))
  echo $(( samples * 1000 / rate ))
}
entry() { # file format extra-json
  jq -n --arg file "$1" --arg format "$2" --argjson ms "$(decoded_ms "$1")" --argjson extra "$3" \
    '{file: $file, format: $format, decoded_ms: $ms} + $extra'
}
chapters='[{"start_ms":0,"end_ms":1000,"title":"Intro"},{"start_ms":1000,"end_ms":2200,"title":"Mitt – del två"},{"start_ms":2200,"end_ms":3000,"title":"Outro"}]'
{
  entry cbr.mp3 mp3 '{"title":"Ångström & co","artist":"Lyssna Test","album":"Fixtures","year":2021,"track":3,"comment":"CBR comment","sample_rate":22050,"channels":1,"bitrate":32000,"xing":true}'
  entry vbr-xing.mp3 mp3 '{"title":"Väder – vind","artist":"Åsa Öberg","album":"Fixtures","year":2022,"track":12,"comment":"VBR comment","sample_rate":22050,"channels":1,"xing":true,"vbr":true}'
  entry vbr-noxing.mp3 mp3 '{"sample_rate":22050,"channels":1,"vbr":true}'
  entry v1.mp3 mp3 '{"title":"Version one","artist":"Lyssna Test","album":"Fixtures","year":1999,"track":5,"comment":"v1 comment","sample_rate":22050,"channels":1,"bitrate":24000}'
  entry art.mp3 mp3 '{"title":"With artwork","artist":"Lyssna Test","sample_rate":22050,"channels":1,"bitrate":32000,"picture_mime":"image/jpeg","picture_file":"cover.jpg"}'
  entry chapters.mp3 mp3 "{\"title\":\"Kapitel och tider\",\"artist\":\"Lyssna Test\",\"album\":\"Fixtures\",\"year\":2023,\"track\":7,\"comment\":\"Three chapters.\",\"sample_rate\":22050,\"channels\":1,\"bitrate\":32000,\"chapters\":$chapters}"
  entry chapters.m4a m4a "{\"title\":\"Kapitel och tider\",\"artist\":\"Lyssna Test\",\"album\":\"Fixtures\",\"year\":2023,\"track\":300,\"comment\":\"Three chapters.\",\"sample_rate\":22050,\"channels\":1,\"picture_mime\":\"image/png\",\"picture_file\":\"cover.png\",\"chapters\":$chapters}"
  entry v22.mp3 mp3 '{"title":"Version two point two","artist":"Lyssna Test","album":"Fixtures","year":2002,"track":9,"comment":"v2.2 comment","sample_rate":22050,"channels":1,"bitrate":32000,"picture_mime":"image/png","picture_file":"cover.png"}'
} | jq -s '.' >expected.json
# Keep the covers so tests can compare the embedded picture byte for byte.
cp "$tmp/cover.png" "$tmp/cover.jpg" .
echo "make.sh: fixtures, broken corpus and expected.json regenerated"
