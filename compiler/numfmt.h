/* Numbers for people: 126,590 rather than 126590. */
#ifndef ASCC_NUMFMT_H
#define ASCC_NUMFMT_H

#include <stdint.h>

enum { NUMFMT_SIZE = 32 };

/* Writes n with thousands separators into buf (NUMFMT_SIZE bytes); returns buf. */
const char *numfmt_group(char buf[NUMFMT_SIZE], int64_t n);

#endif
