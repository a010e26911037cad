#!/usr/bin/env bash
# The deploy example against the runtime.  A two-epoch QAT model of the micro
# set, calibrated, goes through examples/deploy/build.sh (ascc
# --emit=standalone, then classify_wav built as strict C99 with the flags in
# CFLAGS).  asc classify --int8 runs the standalone classifier's own front
# end (docs/standalone.md), so the two must print the very same lines:
#  1. every evaluation clip (44.1 kHz, resampled) through classify_wav and
#     asc classify --int8, and through a -march=native build of classify_wav
#     (the VNNI kernels where the CPU has them);
#  2. the WAV reader: a few clips re-encoded losslessly (32-bit PCM, float,
#     double, WAVE_FORMAT_EXTENSIBLE with odd extra chunks, 2 and 6 identical
#     channels) classify exactly as the originals, and lossy ones (8, 16 bits)
#     exactly as asc classifies them;
#  3. 16 kHz clips, where nothing is resampled: the same lines as asc;
#  4. broken files: one clear error line each, the good files still
#     classified, exit status 1; asc classify --int8 refuses a rate the
#     standalone front end does not take, with its reason.
#   classifier_agreement.sh ASC ASCC CC
set -euo pipefail
if [[ $# -ne 3 ]]; then
    echo "usage: classifier_agreement.sh ASC ASCC CC" >&2
    exit 2
fi
asc=$1 ascc=$2 cc=$3
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
root=$(cd "$(dirname "$0")/../.." && pwd)
model=bcres2net_mfa_fpm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$asc" synth --out "$tmp/data" --scale micro --seed 7 >/dev/null
"$asc" train --model $model --data "$tmp/data" --epochs 2 --batch 32 --warmup 0 --threads 1 \
    --seed 4 --qat --qat-freeze 0 --out "$tmp/run" >/dev/null
"$asc" calibrate --model $model --ckpt "$tmp/run/last.ckpt" --data "$tmp/data" >/dev/null
ASCC=$ascc CC=$cc bash "$root/examples/deploy/build.sh" "$tmp/run/last.ckpt" "$tmp/out" >/dev/null
classify_wav=$tmp/out/classify_wav

asc_classify() {
    "$asc" classify --int8 --model $model --ckpt "$tmp/run/last.ckpt" "$@"
}

# same_lines WHAT OURS ASC COUNT: classify_wav's lines (without --probs'
# extra columns) are asc's, COUNT of them.
same_lines() {
    local what=$1 ours
    ours=$(cut -f1-3 "$2")
    [[ $(wc -l <"$3") == "$4" ]] || fail "$what: asc printed $(wc -l <"$3") lines for $4 files"
    if [[ $ours != "$(cat "$3")" ]]; then
        diff <(echo "$ours") "$3" | head -n 6 || true
        fail "$what: classify_wav and asc classify --int8 differ"
    fi
    echo "$what: the same $4 lines"
}

# 1. The evaluation split.
clip_list=$(bash "$root/scripts/evaluation-clips.sh" "$tmp/data") || fail "no evaluation clips listed"
mapfile -t clips <<<"$clip_list"
"$classify_wav" --probs "${clips[@]}" >"$tmp/ours.tsv" || fail "classify_wav failed on a clip"
asc_classify "${clips[@]}" >"$tmp/asc.tsv" || fail "asc classify failed on a clip"
same_lines "evaluation split, classify_wav vs asc classify --int8" \
    "$tmp/ours.tsv" "$tmp/asc.tsv" ${#clips[@]}

# 1b. The same classifier built for this CPU (-march=native; where it has
# AVX-512 VNNI the kernels of nn_int8_vnni.h run): integer kernels, so the
# very same lines as the portable build. ASCC_NATIVE=0 (the CMake option)
# skips it.
if [[ ${ASCC_NATIVE:-ON} != OFF && ${ASCC_NATIVE:-ON} != 0 ]]; then
    CFLAGS="${CFLAGS:-} -march=native" ASCC=$ascc CC=$cc \
        bash "$root/examples/deploy/build.sh" "$tmp/run/last.ckpt" "$tmp/out-native" >/dev/null
    "$tmp/out-native/classify_wav" --probs "${clips[@]}" >"$tmp/native.tsv" ||
        fail "the -march=native classify_wav failed on a clip"
    cmp -s "$tmp/ours.tsv" "$tmp/native.tsv" ||
        fail "-march=native build: lines differ from the portable build's"
    echo "-march=native build: the same ${#clips[@]} lines as the portable build"
fi

# 2-4 need files in other formats: the Python below writes them from the
# first four evaluation clips (24-bit mono, 44.1 kHz, as asc synth writes).
mkdir "$tmp/wav"
python3 - "$tmp/wav" "${clips[@]:0:4}" <<'PY'
import os, struct, sys, wave

out, sources = sys.argv[1], sys.argv[2:]
GUID_TAIL = bytes([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00,
                   0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71])

def read24(path):
    with wave.open(path, "rb") as w:
        assert w.getsampwidth() == 3 and w.getnchannels() == 1, path
        raw, rate = w.readframes(w.getnframes()), w.getframerate()
    return [int.from_bytes(raw[i:i + 3], "little", signed=True)
            for i in range(0, len(raw), 3)], rate

def chunk(cid, body):
    return cid + struct.pack("<I", len(body)) + body + (b"\0" if len(body) % 2 else b"")

def fmt(tag, channels, rate, bits, extensible=False):
    align = channels * bits // 8
    body = struct.pack("<HHIIHH", 0xFFFE if extensible else tag, channels, rate,
                       rate * align, align, bits)
    if extensible:
        body += struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", tag) + GUID_TAIL
    return body

def write(name, fmt_body, data, before=b"", after=b"", riff_size=None, data_size=None):
    data_chunk = chunk(b"data", data)
    if data_size is not None:
        data_chunk = b"data" + struct.pack("<I", data_size) + data
    body = b"WAVE" + chunk(b"fmt ", fmt_body) + before + data_chunk + after
    size = len(body) if riff_size is None else riff_size
    with open(os.path.join(out, name), "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", size) + body)

def pcm24(s): return b"".join(x.to_bytes(3, "little", signed=True) for x in s)
def pcm32(s): return struct.pack("<%di" % len(s), *[x << 8 for x in s])
def f32(s): return struct.pack("<%df" % len(s), *[x / 8388608 for x in s])
def f64(s): return struct.pack("<%dd" % len(s), *[x / 8388608 for x in s])
def pcm16(s): return struct.pack("<%dh" % len(s), *[x >> 8 for x in s])
def pcm8(s): return bytes((x >> 16) + 128 for x in s)
def repeat(data, width, times):
    return b"".join(data[i:i + width] * times for i in range(0, len(data), width))

odd_list = chunk(b"LIST", b"INFOISFT" + struct.pack("<I", 5) + b"asc\0\0")
odd_junk = chunk(b"junk", b"xyz")
for path in sources:
    s, rate = read24(path)
    stem = os.path.basename(path)[:-4]
    os.makedirs(os.path.join(out, "lossless"), exist_ok=True)
    os.makedirs(os.path.join(out, "lossy"), exist_ok=True)
    os.makedirs(os.path.join(out, "16k"), exist_ok=True)
    lossless = {
        "pcm24": (fmt(1, 1, rate, 24), pcm24(s)),
        "pcm32": (fmt(1, 1, rate, 32), pcm32(s)),
        "float": (fmt(3, 1, rate, 32), f32(s)),
        "double": (fmt(3, 1, rate, 64), f64(s)),
        "ext24-chunks": (fmt(1, 1, rate, 24, True), pcm24(s)),
        "stereo24": (fmt(1, 2, rate, 24), repeat(pcm24(s), 3, 2)),
        "ext-float-6ch": (fmt(3, 6, rate, 32, True), repeat(f32(s), 4, 6)),
    }
    for kind, (fb, data) in lossless.items():
        extra = (odd_list, odd_junk) if kind == "ext24-chunks" else (b"", b"")
        write("lossless/%s-%s.wav" % (stem, kind), fb, data, *extra)
    write("lossy/%s-pcm16.wav" % stem, fmt(1, 1, rate, 16), pcm16(s))
    write("lossy/%s-pcm8.wav" % stem, fmt(1, 1, rate, 8), pcm8(s))
    write("16k/%s-16k.wav" % stem, fmt(1, 1, 16000, 24), pcm24(s[:16000]))
    write("16k/%s-16k-float.wav" % stem, fmt(3, 1, 16000, 32), f32(s[:16000]))

# Broken files, each named for the reason classify_wav must give.
s, rate = read24(sources[0])
good = pcm24(s)
os.makedirs(os.path.join(out, "bad"), exist_ok=True)
open(os.path.join(out, "bad/empty.wav"), "wb").close()
with open(os.path.join(out, "bad/text.wav"), "w") as f:
    f.write("not audio at all\n")
write("bad/truncated.wav", fmt(1, 1, rate, 24), good, data_size=len(good) * 2,
      riff_size=4 + 24 + 8 + len(good) * 2)
write("bad/channels0.wav", fmt(1, 0, rate, 24), good)
write("bad/rate0.wav", fmt(1, 1, 0, 24), good)
write("bad/huge.wav", fmt(1, 1, rate, 24), good[:300], data_size=0xFFFFFF00,
      riff_size=0xFFFFFFFF)
write("bad/adpcm.wav", struct.pack("<HHIIHH", 2, 1, rate, rate, 512, 4), good[:512])
write("bad/rate8k.wav", fmt(1, 1, 8000, 24), good[:3 * 8000])
write("bad/short.wav", fmt(1, 1, rate, 24), good[:3 * (rate * 3 // 10)])
write("bad/nan.wav", fmt(3, 1, rate, 32), f32(s)[:400] + struct.pack("<f", float("nan"))
      + f32(s)[404:])
write("bad/half-frame.wav", fmt(1, 2, rate, 24), good[:3 * 30001])
with open(os.path.join(out, "bad/data-first.wav"), "wb") as f:
    body = b"WAVE" + chunk(b"data", good) + chunk(b"fmt ", fmt(1, 1, rate, 24))
    f.write(b"RIFF" + struct.pack("<I", len(body)) + body)
PY

# 2. The reader, lossless: the same scene and probabilities, to the last
# printed digit, as the original; lossy: within part 1's bounds of asc.
for clip in "${clips[@]:0:4}"; do
    stem=$(basename "$clip" .wav)
    variants=("$tmp/wav/lossless/$stem"-*.wav)
    "$classify_wav" --probs "$clip" "${variants[@]}" >"$tmp/variants.tsv" ||
        fail "classify_wav failed on a re-encoding of $stem"
    distinct=$(awk -F'\t' '{ sub(/^[^\t]*\t/, ""); print }' "$tmp/variants.tsv" | sort -u)
    [[ $(wc -l <<<"$distinct") == 1 ]] ||
        fail "$stem: re-encodings classify differently:"$'\n'"$(cat "$tmp/variants.tsv")"
done
echo "WAV reader: ${#variants[@]} lossless encodings of 4 clips classify exactly as the originals"
lossy=("$tmp/wav/lossy"/*.wav)
"$classify_wav" --probs "${lossy[@]}" >"$tmp/lossy-ours.tsv" || fail "classify_wav failed on 8/16-bit"
asc_classify "${lossy[@]}" >"$tmp/lossy-asc.tsv" || fail "asc classify failed on 8/16-bit"
same_lines "8- and 16-bit PCM" "$tmp/lossy-ours.tsv" "$tmp/lossy-asc.tsv" ${#lossy[@]}

# 3. 16 kHz, where nothing is resampled.
native=("$tmp/wav/16k"/*.wav)
"$classify_wav" "${native[@]}" >"$tmp/16k-ours.tsv" || fail "classify_wav failed on 16 kHz clips"
asc_classify "${native[@]}" >"$tmp/16k-asc.tsv" || fail "asc classify failed on 16 kHz clips"
same_lines "16 kHz" "$tmp/16k-ours.tsv" "$tmp/16k-asc.tsv" ${#native[@]}

# 4. Broken files between good ones: the good ones classified, one line per
# broken file saying why, exit status 1.
declare -A reason=(
    [empty]="empty file" [text]="not a WAV file" [truncated]="truncated"
    [channels0]="0 channels" [rate0]="sample rate 0" [huge]="more than this reader's limit"
    [adpcm]="encoding 0x0002 is not supported" [rate8k]="unsupported sample rate: 8000 Hz"
    [short]="shorter than 0.5 s: 0.300 s" [nan]="NaN, infinite or out-of-range sample"
    [half-frame]="not a whole number of 6-byte frames" [data-first]="data chunk before the fmt"
    [missing]="cannot open"
)
args=("${clips[0]}")
for name in "${!reason[@]}"; do
    args+=("$tmp/wav/bad/$name.wav" "${clips[1]}")
done
set +e
"$classify_wav" "${args[@]}" >"$tmp/mixed.out" 2>"$tmp/mixed.err"
status=$?
set -e
[[ $status == 1 ]] || fail "exit status $status with broken files, expected 1"
[[ $(wc -l <"$tmp/mixed.out") == $(( ${#reason[@]} + 1 )) ]] ||
    fail "the good files were not all classified: $(cat "$tmp/mixed.out")"
[[ $(wc -l <"$tmp/mixed.err") == "${#reason[@]}" ]] ||
    fail "not one error line per broken file:"$'\n'"$(cat "$tmp/mixed.err")"
mapfile -t errors <"$tmp/mixed.err"
for name in "${!reason[@]}"; do
    prefix="classify_wav: $tmp/wav/bad/$name.wav: " line=
    for e in "${errors[@]}"; do
        if [[ $e == "$prefix"* ]]; then line=$e; fi
    done
    [[ $line == *"${reason[$name]}"* ]] ||
        fail "$name.wav: expected \"${reason[$name]}\", got \"$line\""
done
echo "broken files: ${#reason[@]} refused with their reasons, the good ones classified"

# asc classify --int8 on a rate only asc's own front end takes: one line
# naming the rate, the other file classified, exit status 1.
set +e
asc_classify "$tmp/wav/bad/rate8k.wav" "${clips[0]}" >"$tmp/rate.out" 2>"$tmp/rate.err"
status=$?
set -e
[[ $status == 1 && $(wc -l <"$tmp/rate.out") == 1 && $(wc -l <"$tmp/rate.err") == 1 ]] ||
    fail "asc classify --int8 on an 8 kHz file: status $status, $(cat "$tmp/rate.err")"
grep -q "rate8k.wav: sample rate 8000 Hz: the standalone classifier's front end" "$tmp/rate.err" ||
    fail "asc classify --int8 on an 8 kHz file: $(cat "$tmp/rate.err")"
echo "asc classify --int8 refuses 8 kHz: $(cat "$tmp/rate.err")"
echo "classifier agreement: passed"
