/* Thousands separators; see numfmt.h. */
#include "numfmt.h"

#include <stdio.h>
#include <string.h>

const char *numfmt_group(char buf[NUMFMT_SIZE], int64_t n) {
    char digits[NUMFMT_SIZE];
    int neg = n < 0;
    snprintf(digits, sizeof digits, "%llu",
             neg ? 0ULL - (unsigned long long)n : (unsigned long long)n);
    size_t len = strlen(digits), o = 0;
    if (neg)
        buf[o++] = '-';
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}
