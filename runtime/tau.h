/* Reader of the TAU Urban Acoustic Scenes 2022 Mobile layout: meta.csv, the
 * fold-1 split files under evaluation_setup/, audio under audio/.  Every
 * inconsistency is refused with FILE:LINE and what is wrong (docs/data.md). */
#ifndef ASC_TAU_H
#define ASC_TAU_H

#include "error.h"

#define TAU_SCENES 10
#define TAU_DEVICES 9

extern const char *const tau_scene_names[TAU_SCENES];
extern const char *const tau_device_names[TAU_DEVICES]; /* a b c s1 .. s6 */

typedef struct {
    char *filename;   /* as in meta.csv: "audio/<scene>-...-<device>.wav" */
    char *identifier; /* recording location, e.g. "lisbon-1000" */
    int scene;        /* index into tau_scene_names */
    int device;       /* index into tau_device_names */
} tau_clip;

typedef struct {
    char *root;
    tau_clip *clips; /* meta.csv order */
    long n_clips;
    long *train, *evaluate, *test; /* indices into clips, file order */
    long n_train, n_evaluate, n_test;
} tau_set;

/* Reads and checks DIR/meta.csv, DIR/evaluation_setup/fold1_{train,evaluate,
 * test}.csv (fold1_test.csv may be absent) and that every clip's audio exists. */
asc_status tau_open(const char *dir, tau_set *set, asc_err *err);
void tau_close(tau_set *set);

/* Index of a scene name or a device name, -1 if unknown. */
int tau_scene_index(const char *name);
int tau_device_index(const char *name);

/* Device from a file name's suffix ("...-s4.wav" gives 7), -1 if none. */
int tau_device_of(const char *filename);

/* root + "/" + clip filename into buf. */
void tau_clip_path(const tau_set *set, long clip, char *buf, size_t size);

#endif
