# The standalone classifier against asc on the same files: reads
# `classify_wav --probs` lines (FILE scene p, then the ten class
# probabilities) and then `asc classify --int8` lines (FILE scene p), matched
# by file, and prints "same compared largest-difference missing": how many
# files got the same top-1 scene, how many were compared, the largest
# |classify_wav's probability of asc's scene - asc's|, and how many of asc's
# files classify_wav has no line for.
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
    d = ours[column[$2]] - $3
    d = d < 0 ? -d : d
    if (d > largest) largest = d
}
END { printf "%d %d %.6f %d\n", same, compared, largest, missing }
