/*
 * CHDF5Shim: the few HDF5 operations reloc's feature store needs, as plain C functions.
 * HDF5's native type ids (H5T_NATIVE_FLOAT, ...) and property defaults are macros that
 * Swift cannot import; these functions hide them behind small integer codes.
 *
 * Paths are HDF5 paths ("a/b/keypoints"); missing intermediate groups are created on write.
 * Every function returns a negative value on failure; HDF5's own error printing is off.
 */
#ifndef RELOC_CHDF5SHIM_H
#define RELOC_CHDF5SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Element types, in memory and (for writing) on disk. */
enum {
    CHDF5_FLOAT32 = 0,
    CHDF5_FLOAT64 = 1,
    CHDF5_FLOAT16 = 2, /* on disk only: IEEE half, as h5py/numpy write float16 */
    CHDF5_INT16 = 3,
    CHDF5_INT32 = 4,
    CHDF5_INT64 = 5,
    CHDF5_UINT8 = 6
};

/* How chdf5_open opens a file. */
enum {
    CHDF5_OPEN_READ = 0,       /* read-only */
    CHDF5_OPEN_READ_WRITE = 1, /* read-write; the file must exist */
    CHDF5_OPEN_CREATE = 2,     /* a new file; an existing one is truncated */
    CHDF5_OPEN_UPDATE = 3      /* read-write, created when missing (refused when it exists but is not HDF5) */
};

/* What chdf5_kind finds at a path (negative on error). */
enum {
    CHDF5_KIND_ABSENT = 0,
    CHDF5_KIND_DATASET = 1,
    CHDF5_KIND_GROUP = 2
};

/* A dataset's stored element class, as chdf5_shape reports it. */
enum {
    CHDF5_CLASS_FLOAT = 0,
    CHDF5_CLASS_INTEGER = 1,
    CHDF5_CLASS_OTHER = 2
};

/* Opens a file in one of the CHDF5_OPEN_ modes. Returns a file id (>= 0) or -1. */
int64_t chdf5_open(const char *path, int mode);
int chdf5_close(int64_t file);
int chdf5_flush(int64_t file);

/* 1 when an object (group or dataset) exists at path, 0 when not, -1 on error. */
int chdf5_exists(int64_t file, const char *path);

/* CHDF5_KIND_DATASET, CHDF5_KIND_GROUP, CHDF5_KIND_ABSENT, or -1 on error. */
int chdf5_kind(int64_t file, const char *path);

/* Removes the link at path (a group with everything below it, or a dataset). */
int chdf5_delete(int64_t file, const char *path);

/* Writes a dataset of `rank` dimensions (<= 8) from memory of type `memory_type`, stored as
 * `file_type` (HDF5 converts). Replaces an existing dataset at path. */
int chdf5_write(int64_t file, const char *path, int memory_type, int file_type,
                int rank, const uint64_t *dims, const void *data);

/* Shape of a dataset: rank into *rank (<= 8), sizes into dims. Also reports the stored
 * element class (CHDF5_CLASS_) and its size in bytes. */
int chdf5_shape(int64_t file, const char *path, int *rank, uint64_t *dims, int *element_class, int *element_size);

/* Reads a whole dataset converted to `memory_type` into buffer (capacity in elements). */
int chdf5_read(int64_t file, const char *path, int memory_type, void *buffer, uint64_t capacity);

/* Copies the object at path (a group with everything below it, or a dataset; types and
 * attributes kept) from one open file to the same path in another, creating missing groups. */
int chdf5_copy(int64_t source, int64_t destination, const char *path);

/* A double attribute on the object at path. Read returns 0 when present, 1 when absent. */
int chdf5_write_attribute(int64_t file, const char *path, const char *name, double value);
int chdf5_read_attribute(int64_t file, const char *path, const char *name, double *value);

/* A string attribute (fixed-length, UTF-8, no terminator stored) on the object at path. Read
 * copies at most capacity bytes into buffer and sets *length to the string's length; returns 0
 * when present (call again with a larger buffer when *length > capacity), 1 when absent, -1 when
 * the attribute is not a string or cannot be read. */
int chdf5_write_string_attribute(int64_t file, const char *path, const char *name, const char *value, uint64_t length);
int chdf5_read_string_attribute(int64_t file, const char *path, const char *name, char *buffer, uint64_t capacity,
                                uint64_t *length);

/* Names (paths without the leading '/') of the groups holding a dataset called `leaf`,
 * newline-separated, into buffer. Returns the length needed (may exceed capacity: call
 * again with a larger buffer) or -1. */
int64_t chdf5_list_parents(int64_t file, const char *leaf, char *buffer, uint64_t capacity);

/* Walks a file's whole structure the way reloc's readers use it (groups, datasets' type, shape,
 * layout, storage and attributes) without reading contiguous data. Meant for a child process:
 * libhdf5 1.10 can crash on some damaged headers, and a crash there must not take reloc down.
 * Returns 0 when the walk completed, 1 when HDF5 reported an error. */
int chdf5_check_structure(const char *path);

#ifdef __cplusplus
}
#endif

#endif
