/* libFuzzer target for the whole front end: any bytes in, a model or diagnostics
 * out, never a crash, a leak or undefined behaviour. Build with
 * -DASCC_FUZZ=ON and clang; run through scripts/fuzz.sh. */
#include <stdint.h>
#include <stdio.h>

#include "budget.h"
#include "frontend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    if (size > FRONTEND_MAX_SPEC_BYTES)
        return 0;
    Arena arena;
    arena_init(&arena);
    Diag diag;
    diag_init(&diag, sink, "fuzz.asc", (const char *)data, size);
    Model *model = frontend_compile("fuzz.asc", (const char *)data, size, &arena, &diag);
    if (model)
        budget_check(model, &diag);
    arena_free(&arena);
    return 0;
}
