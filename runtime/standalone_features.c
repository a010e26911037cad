/* asc classify --int8's front end (standalone_features.h): the arena of
 * compiler/standalone/frontend.c, compiled into asc with its ascfe_ prefix,
 * and its refusals turned into asc's error messages. */
#include "standalone_features.h"

#include <stdlib.h>

#include "frontend.h"
#include "logmel.h"

typedef char features_match[ascfe_FEATURES == LOGMEL_SIZE ? 1 : -1];

struct standalone_features {
    void *arena;
};

standalone_features *standalone_features_new(void)
{
    standalone_features *sf = malloc(sizeof *sf);
    if (!sf)
        return NULL;
    /* malloc's alignment is at least a double's: what the arena asks. */
    sf->arena = malloc(ascfe_arena_bytes());
    if (!sf->arena || ascfe_init(sf->arena, ascfe_arena_bytes()) != ascfe_OK) {
        standalone_features_free(sf);
        return NULL;
    }
    return sf;
}

void standalone_features_free(standalone_features *sf)
{
    if (!sf)
        return;
    free(sf->arena);
    free(sf);
}

asc_status standalone_features_compute(standalone_features *sf, const float *pcm, long n,
                                       int rate, const char *path, float *out, asc_err *err)
{
    /* audio_decode gives at most 1.05 s, far inside an int. */
    int status = ascfe_logmel(sf->arena, pcm, (int)n, rate, out);
    if (status >= 0)
        return ASC_OK;
    if (status == ascfe_E_RATE)
        return err_set(err, path,
                       "sample rate %d Hz: the standalone classifier's front end takes 16 kHz "
                       "and the usual rates up to 96 kHz (asc classify without --int8 takes it)",
                       rate);
    return err_set(err, path, "the standalone classifier's front end refuses it: %s",
                   ascfe_strerror(status));
}
