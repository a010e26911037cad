#!/usr/bin/env bash
# Every way of misusing the training commands (train, finetune, predict, eval,
# classify) must end the same way: exit status 1, exactly one line on stderr,
# "asc COMMAND: ..." naming the flag or file at fault, and nothing written:
# no output file, no temporary file, an existing run left byte for byte as it
# was. A valid invocation of each command is checked too, so that the refusals
# cannot pass by everything failing.
#   cli_errors.sh ASC
set -uo pipefail
asc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cap=$tmp/cap # what a case printed; outside what snapshot looks at
mkdir "$cap"

M=bcres2net_mfa_fpm
cases=0
failed=0

pass() { cases=$((cases + 1)); echo "ok    $*"; }
fail() { cases=$((cases + 1)); failed=$((failed + 1)); echo "FAIL  $*"; }

# Every file under $tmp with its size and modification time, every directory:
# a case that creates, removes or rewrites anything changes it.
snapshot() {
    find "$tmp" -path "$cap" -prune -o -type d -printf '%p/\n' -o -printf '%p %s %T@\n' | sort
}

# refused NEEDLE... -- COMMAND ARGS...: exit 1, one line on stderr that starts
# with "asc COMMAND: " and contains every NEEDLE, nothing on disk changed.
refused() {
    local needles=()
    while [ "$1" != -- ]; do needles+=("$1"); shift; done
    shift
    local what="$*" before after status line why=
    before=$(snapshot)
    "$asc" "$@" >"$cap/out" 2>"$cap/err"
    status=$?
    after=$(snapshot)
    line=$(head -n 1 "$cap/err")
    if ((status > 128)); then
        why="killed by signal $((status - 128))"
    elif ((status != 1)); then
        why="exit status $status, expected 1"
    elif [ "$(awk 'END { print NR }' "$cap/err")" != 1 ] || [ "$(tail -c 1 "$cap/err" | od -An -c | tr -d ' ')" != '\n' ]; then
        why="stderr is not exactly one line: $(head -c 600 "$cap/err")"
    elif [[ "$line" != "asc $1: "* ]]; then
        why="the line does not start with 'asc $1: ': $line"
    elif [ "$before" != "$after" ]; then
        why="files changed: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -n 4 | tr '\n' ' ')"
    else
        for n in "${needles[@]}"; do
            [[ "$line" == *"$n"* ]] || { why="the line does not name '$n': $line"; break; }
        done
    fi
    what=${what//$tmp/\$tmp} line=${line//$tmp/\$tmp} why=${why//$tmp/\$tmp}
    if [ -z "$why" ]; then pass "$what  ->  $line"; else fail "$what: $why"; fi
    rm -rf "$NEW" "$NPY" # what a failed case left, so that the next ones are judged on their own
}

# accepted ARGS...: exit 0 and nothing on stderr (the positive controls).
accepted() {
    "$asc" "$@" >"$cap/out" 2>"$cap/err"
    local status=$?
    if ((status == 0)) && [ ! -s "$cap/err" ]; then
        pass "${*//$tmp/\$tmp} (valid, exit 0)"
    else
        fail "${*//$tmp/\$tmp} (valid): exit status $status, stderr: $(head -c 600 "$cap/err")"
    fi
}

# ---- inputs -------------------------------------------------------------------

# The micro data set cut down to 15 training and 9 evaluation clips, every
# tenth row of each split (several scenes), so that a whole training run is one
# step: two of them stay cheap under the sanitizers.
"$asc" synth --out "$tmp/synth" --scale micro --seed 1 >/dev/null || { echo "asc synth failed"; exit 1; }
D=$tmp/data
mkdir -p "$D/evaluation_setup"
mv "$tmp/synth/audio" "$D/audio"
for s in train evaluate; do
    awk 'NR == 1 || NR % 10 == 2' "$tmp/synth/evaluation_setup/fold1_$s.csv" \
        >"$D/evaluation_setup/fold1_$s.csv"
done
awk -F '\t' 'NR > 1 { print $1 }' "$D/evaluation_setup/fold1_evaluate.csv" |
    sed '1i filename' >"$D/evaluation_setup/fold1_test.csv"
awk -F '\t' 'FNR == NR { if (FNR > 1) keep[$1] = 1; next } FNR == 1 || keep[$1]' \
    <(cat "$D"/evaluation_setup/fold1_{train,evaluate}.csv) "$tmp/synth/meta.csv" >"$D/meta.csv"
rm -rf "$tmp/synth"
nclips=$(($(wc -l <"$D/meta.csv") - 1))
wav1=$D/$(awk -F '\t' 'NR == 2 { print $1 }' "$D/meta.csv")
wav2=$D/$(awk -F '\t' 'NR == 3 { print $1 }' "$D/meta.csv")

O=$tmp/out # where the refused commands would write
RUN=$O/run
CK=$RUN/last.ckpt
NEW=$O/new
NPY=$O/logits.npy
OK=$tmp/ok # where the positive controls write
mkdir -p "$O" "$OK" "$tmp/nometa" "$tmp/bad"

# ---- positive controls (they also make the run and its checkpoint) ------------

TRAIN=(--model "$M" --data "$D" --epochs 1 --batch 16 --warmup 0 --threads 2)
accepted train "${TRAIN[@]}" --out "$RUN"
[ -f "$CK" ] || { echo "FAIL  no checkpoint from the valid training; cannot go on"; exit 1; }
accepted finetune --model "$M" --data "$D" --from "$CK" --out "$OK/ft" --epochs 1 --batch 16 --threads 2
accepted eval --model "$M" --ckpt "$CK" --data "$D" --threads 2 --json
accepted predict --model "$M" --ckpt "$CK" --data "$D" --out "$OK/logits.npy" --threads 2
accepted classify --model "$M" --ckpt "$CK" "$wav1" "$wav2"
[ "$(wc -l <"$cap/out")" = 2 ] || fail "classify of two files printed $(wc -l <"$cap/out") lines"

# ---- broken checkpoints and other bad files ------------------------------------

B=$tmp/bad
size=$(stat -c %s "$CK")
head -c $((size / 2)) "$CK" >"$B/truncated.ckpt"
: >"$B/empty.ckpt"
cp "$CK" "$B/flipped.ckpt"
byte=$(od -An -tu1 -j 4096 -N 1 "$CK" | tr -d ' ')
printf "\\x$(printf %02x $((byte ^ 16)))" | dd of="$B/flipped.ckpt" bs=1 seek=4096 conv=notrunc status=none
# Another model's name in the header, with the CRC made right again (gzip's
# trailer is the same CRC-32, little-endian), so the model check is what refuses it.
cp "$CK" "$B/other_model.ckpt"
{ printf bcresnet_asc; head -c 52 /dev/zero; } |
    dd of="$B/other_model.ckpt" bs=1 seek=16 conv=notrunc status=none
head -c $((size - 4)) "$B/other_model.ckpt" | gzip -c | tail -c 8 | head -c 4 |
    dd of="$B/other_model.ckpt" bs=1 seek=$((size - 4)) conv=notrunc status=none
# A valid .npy of the wrong shape, (3, 10) float32, for --teacher-logits.
hdr="{'descr': '<f4', 'fortran_order': False, 'shape': (3, 10), }"
while (((10 + ${#hdr} + 1) % 64)); do hdr+=' '; done
{ printf '\x93NUMPY\x01\x00'; printf "\\x$(printf %02x $((${#hdr} + 1)))\\x00"; printf '%s\n' "$hdr"
  head -c 120 /dev/zero; } >"$B/3x10.npy"

# Each checkpoint refusal names the file and what is wrong with it.
ckpt_cases() { # FLAG COMMAND ARGS...: the command with FLAG set to each bad checkpoint
    local flag=$1
    shift
    refused "$B/missing.ckpt" "No such file" -- "$@" "$flag" "$B/missing.ckpt"
    refused "$B/truncated.ckpt" truncated -- "$@" "$flag" "$B/truncated.ckpt"
    refused "$B/empty.ckpt" empty -- "$@" "$flag" "$B/empty.ckpt"
    refused "$B/flipped.ckpt" CRC -- "$@" "$flag" "$B/flipped.ckpt"
    refused "$B/other_model.ckpt" "'bcresnet_asc'" -- "$@" "$flag" "$B/other_model.ckpt"
    refused "$D/meta.csv" "not a checkpoint" -- "$@" "$flag" "$D/meta.csv"
    refused "$B" "not a regular file" -- "$@" "$flag" "$B"
}

# ---- train ----------------------------------------------------------------------

T=(train "${TRAIN[@]}" --out "$NEW")
refused "'--bogus'" -- "${T[@]}" --bogus
refused "--seed" -- "${T[@]}" --seed
refused "--data" "'--out'" -- train --model "$M" --data --out "$NEW"
refused "--epochs" "'0'" -- "${T[@]}" --epochs 0
refused "--lr" "'-1'" -- "${T[@]}" --lr -1
refused "--lr" "'abc'" -- "${T[@]}" --lr abc
refused "--batch" "'1e9'" -- "${T[@]}" --batch 1e9
refused "--kd-alpha" "'2'" -- "${T[@]}" --kd-alpha 2
refused "--threads" "'0'" -- "${T[@]}" --threads 0
refused "--split" "'foo'" -- "${T[@]}" --split foo
refused "--model" -- train --data "$D" --out "$NEW"
refused "--data" -- train --model "$M" --out "$NEW"
refused "--out" -- train --model "$M" --data "$D"
refused "nosuch" -- "${T[@]}" --model nosuch
refused "$tmp/nodata" -- "${T[@]}" --data "$tmp/nodata"
refused "$tmp/nometa/meta.csv" -- "${T[@]}" --data "$tmp/nometa"
refused "$B/missing.npy" -- "${T[@]}" --teacher-logits "$B/missing.npy"
refused "$D/meta.csv" ".npy" -- "${T[@]}" --teacher-logits "$D/meta.csv"
refused "$B/3x10.npy" "(3, 10)" "($nclips, 10)" -- "${T[@]}" --teacher-logits "$B/3x10.npy"
refused "--teacher-ckpt" -- "${T[@]}" --teacher bcres2net_teacher
refused "--teacher" -- "${T[@]}" --teacher-ckpt "$CK"
refused "--teacher-logits" "--teacher" -- "${T[@]}" --teacher-logits "$OK/logits.npy" \
    --teacher bcres2net_teacher --teacher-ckpt "$CK"
refused "$D/meta.csv" "not a directory" -- train "${TRAIN[@]}" --out "$D/meta.csv"
sums=$(md5sum "$RUN"/*)
refused "$CK" "--resume" -- train "${TRAIN[@]}" --out "$RUN"
refused "$CK" "'lr 0.01'" "'lr 0.02'" -- train "${TRAIN[@]}" --out "$RUN" --resume --lr 0.02
[ "$(md5sum "$RUN"/*)" = "$sums" ] && pass "the existing run is byte for byte as it was" ||
    fail "the existing run changed"

# ---- finetune -------------------------------------------------------------------

FT=(finetune --model "$M" --data "$D" --from "$CK" --out "$NEW" --epochs 1 --batch 16 --threads 2)
refused "'--bogus'" -- "${FT[@]}" --bogus
refused "--lambda" -- "${FT[@]}" --lambda
refused "--from" "'--out'" -- finetune --model "$M" --data "$D" --from --out "$NEW"
refused "--epochs" "'0'" -- "${FT[@]}" --epochs 0
refused "--lr" "'-1'" -- "${FT[@]}" --lr -1
refused "--lr" "'abc'" -- "${FT[@]}" --lr abc
refused "--batch" "'1e9'" -- "${FT[@]}" --batch 1e9
refused "--kd-alpha" "'2'" -- "${FT[@]}" --kd-alpha 2
refused "--threads" "'0'" -- "${FT[@]}" --threads 0
refused "--split" "'foo'" -- "${FT[@]}" --split foo
refused "--drop-device" "'x'" -- "${FT[@]}" --drop-device x
refused "--model" -- finetune --data "$D" --from "$CK" --out "$NEW"
refused "--data" -- finetune --model "$M" --from "$CK" --out "$NEW"
refused "--out" -- finetune --model "$M" --data "$D" --from "$CK"
refused "--from" -- finetune --model "$M" --data "$D" --out "$NEW"
refused "nosuch" -- "${FT[@]}" --model nosuch
refused "$tmp/nodata" -- "${FT[@]}" --data "$tmp/nodata"
refused "$tmp/nometa/meta.csv" -- "${FT[@]}" --data "$tmp/nometa"
ckpt_cases --from "${FT[@]}"

# ---- eval -----------------------------------------------------------------------

E=(eval --model "$M" --ckpt "$CK" --data "$D" --threads 2)
refused "'--bogus'" -- "${E[@]}" --bogus
refused "--batch" -- "${E[@]}" --batch
refused "--data" "'--json'" -- eval --model "$M" --ckpt "$CK" --data --json
refused "--threads" "'0'" -- "${E[@]}" --threads 0
refused "--batch" "'1e9'" -- "${E[@]}" --batch 1e9
refused "--split" "'foo'" -- "${E[@]}" --split foo
refused "--model" -- eval --ckpt "$CK" --data "$D"
refused "--ckpt" -- eval --model "$M" --data "$D"
refused "--data" -- eval --model "$M" --ckpt "$CK"
refused "nosuch" -- "${E[@]}" --model nosuch
refused "$tmp/nodata" -- "${E[@]}" --data "$tmp/nodata"
refused "$tmp/nometa/meta.csv" -- "${E[@]}" --data "$tmp/nometa"
ckpt_cases --ckpt "${E[@]}"

# ---- predict --------------------------------------------------------------------

P=(predict --model "$M" --ckpt "$CK" --data "$D" --out "$NPY" --threads 2)
refused "'--bogus'" -- "${P[@]}" --bogus
refused "--batch" -- "${P[@]}" --batch
refused "--out" "'--threads'" -- predict --model "$M" --ckpt "$CK" --data "$D" --out --threads 2
refused "--threads" "'0'" -- "${P[@]}" --threads 0
refused "--batch" "'1e9'" -- "${P[@]}" --batch 1e9
refused "'--split'" -- "${P[@]}" --split foo
refused "--model" -- predict --ckpt "$CK" --data "$D" --out "$NPY"
refused "--ckpt" -- predict --model "$M" --data "$D" --out "$NPY"
refused "--data" -- predict --model "$M" --ckpt "$CK" --out "$NPY"
refused "--out" -- predict --model "$M" --ckpt "$CK" --data "$D"
refused "nosuch" -- "${P[@]}" --model nosuch
refused "$tmp/nodata" -- "${P[@]}" --data "$tmp/nodata"
refused "$tmp/nometa/meta.csv" -- "${P[@]}" --data "$tmp/nometa"
refused "$O/nodir/logits.npy" "No such file or directory" -- "${P[@]}" --out "$O/nodir/logits.npy"
refused "$RUN" "Is a directory" -- "${P[@]}" --out "$RUN"
ckpt_cases --ckpt "${P[@]}"

# ---- classify -------------------------------------------------------------------

C=(classify --model "$M" --ckpt "$CK")
refused "'--bogus'" -- "${C[@]}" --bogus "$wav1"
refused "--ckpt" -- classify --model "$M" "$wav1" --ckpt
refused "--ckpt" "'--model'" -- classify --ckpt --model "$M" "$wav1"
refused "--model" -- classify --ckpt "$CK" "$wav1"
refused "--ckpt" -- classify --model "$M" "$wav1"
refused "nosuch" -- "${C[@]}" --model nosuch "$wav1"
refused "no audio files" -- "${C[@]}"
refused "$B/missing.wav" -- "${C[@]}" "$B/missing.wav"
refused "$D/meta.csv" "audio" -- "${C[@]}" "$D/meta.csv"
ckpt_cases --ckpt "${C[@]}" "$wav1"

# A bad file among good ones: one line for each bad file, the good ones classified.
"$asc" "${C[@]}" "$wav1" "$B/missing.wav" "$wav2" "$D/meta.csv" >"$cap/out" 2>"$cap/err"
status=$?
if ((status == 1)) && [ "$(wc -l <"$cap/err")" = 2 ] &&
    head -n 1 "$cap/err" | grep -q "^asc classify: $B/missing.wav: " &&
    tail -n 1 "$cap/err" | grep -q "^asc classify: $D/meta.csv: " &&
    [ "$(wc -l <"$cap/out")" = 2 ] && cut -f 1 "$cap/out" | diff -q - <(printf '%s\n' "$wav1" "$wav2") >/dev/null; then
    pass "classify of good, missing, good and non-audio files: 2 lines on stderr, 2 on stdout, exit 1"
else
    fail "classify of good and bad files: exit status $status, stderr: $(cat "$cap/err"), stdout: $(cat "$cap/out")"
fi

echo "$cases cases, $failed failed"
((failed == 0))
