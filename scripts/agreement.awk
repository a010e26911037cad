# The standalone classifier against asc on the same files: reads
# `classify_wav --probs` lines (FILE scene p, then the ten class
# probabilities) and then `asc classify --int8` lines (FILE scene p), matched
# by file, and prints "same compared largest-difference missing near-ties
# over-0.01": how many files got the same top-1 scene, how many were
# compared, the largest |classify_wav's probability of asc's scene - asc's|,
# how many of asc's files classify_wav has no line for, how many of the
# different top-1s are near-ties (classify_wav's probabilities of its scene
# and of asc's within 0.02: a difference within the 0.01 bar on both can
# swap them), and on how many files that difference exceeds 0.01.
#   awk -F'\t' -f scripts/agreement.awk OURS.tsv ASC.tsv
BEGIN {
    split("airport bus metro metro_station park public_square shopping_mall " \
          "street_pedestrian street_traffic tram", names, " ")
    for (k = 1; k <= 10; k++)
        column[names[k]] = 3 + k
}
FNR == NR { line[$1] = $0; next }
{
    if (!($1 in line)) { missing++; next }
    split(line[$1], ours, "\t")
    compared++
    same += ours[2] == $2
    if (ours[2] != $2 && ours[3] - ours[column[$2]] <= 0.02)
        near_ties++
    d = ours[column[$2]] - $3
    d = d < 0 ? -d : d
    if (d > largest) largest = d
    over += d > 0.01
}
END { printf "%d %d %.6f %d %d %d\n", same, compared, largest, missing, near_ties, over }
