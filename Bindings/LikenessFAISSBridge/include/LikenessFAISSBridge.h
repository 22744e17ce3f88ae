#ifndef LIKENESS_FAISS_BRIDGE_H
#define LIKENESS_FAISS_BRIDGE_H

#include <stdint.h>

/*
 * A C interface to the few FAISS (C++) calls Likeness makes, for Swift: an index as an opaque
 * handle, L2 metric only, ids the order rows were added in (0, 1, …).
 *
 * Every function that can fail returns 0 on success and -1 on failure, after which
 * lfb_last_error() gives the reason (FAISS's exception message, or the system's error for file
 * steps) until the next failing call on the same thread. Only LikenessFAISS uses these.
 */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lfb_index lfb_index;

/* The reason the last failing call of this thread failed ("" when none has). */
const char *lfb_last_error(void);

/* faiss::index_factory(dimension, description, METRIC_L2) into *index. */
int lfb_index_factory(int32_t dimension, const char *description, lfb_index **index);

void lfb_index_free(lfb_index *index);

int32_t lfb_index_dimension(const lfb_index *index);
int64_t lfb_index_count(const lfb_index *index);
int lfb_index_is_trained(const lfb_index *index);

/* The inverted file's nlist and nprobe, or 0 when the index has no inverted file. */
int64_t lfb_index_nlist(const lfb_index *index);
int64_t lfb_index_nprobe(const lfb_index *index);
/* Sets the inverted file's nprobe; fails when the index has none. */
int lfb_index_set_nprobe(lfb_index *index, int64_t nprobe);

/* Trains on `count` rows of `dimension` floats. */
int lfb_index_train(lfb_index *index, int64_t count, const float *rows);
/* Adds `count` rows; their ids follow the rows already in the index. */
int lfb_index_add(lfb_index *index, int64_t count, const float *rows);
/* The `k` nearest rows of each of `count` queries: squared L2 distances and ids, `count × k`
 * each, nearest first; id -1 (distance +inf or FLT_MAX) where fewer than `k` were found. */
int lfb_index_search(const lfb_index *index, int64_t count, const float *queries, int64_t k, float *distances, int64_t *ids);

/* faiss::write_index into the new file `path` (created, never replaced: O_EXCL), synced to
 * disk and closed; on failure the file is removed. */
int lfb_index_write(const lfb_index *index, const char *path);
/* faiss::read_index of `path` into *index. */
int lfb_index_read(const char *path, lfb_index **index);

/* OpenMP threads FAISS uses from now on in calls from this thread (omp_set_num_threads). */
void lfb_set_threads(int32_t count);

#ifdef __cplusplus
}
#endif

#endif
