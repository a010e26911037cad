/* Model lookup by name; see model_registry.h. */
#include "model_registry.h"

#include <stdio.h>
#include <string.h>

const AscModel *asc_find_model(const char *name) {
    for (int i = 0; asc_models[i]; i++)
        if (strcmp(asc_models[i]->info->name, name) == 0)
            return asc_models[i];
    return NULL;
}

void asc_model_names(char *buf, size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; asc_models[i] && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                                 asc_models[i]->info->name);
}
