#include "chdf5.h"

#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

static void quiet(void) {
    static int done = 0;
    if (!done) {
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        done = 1;
    }
}

static hid_t memory_type_id(int code) {
    switch (code) {
        case CHDF5_FLOAT32: return H5T_NATIVE_FLOAT;
        case CHDF5_FLOAT64: return H5T_NATIVE_DOUBLE;
        case CHDF5_INT16: return H5T_NATIVE_INT16;
        case CHDF5_INT32: return H5T_NATIVE_INT32;
        case CHDF5_INT64: return H5T_NATIVE_INT64;
        case CHDF5_UINT8: return H5T_NATIVE_UINT8;
        default: return -1;
    }
}

/* IEEE 754 half precision, little endian, built as h5py builds numpy's float16. */
static hid_t half_type(void) {
    hid_t t = H5Tcopy(H5T_IEEE_F32LE);
    if (t < 0) return -1;
    if (H5Tset_fields(t, 15, 10, 5, 0, 10) < 0 || H5Tset_size(t, 2) < 0 || H5Tset_ebias(t, 15) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* File types: little-endian standard types (what h5py writes on x86). */
static hid_t file_type_id(int code, int *owned) {
    *owned = 0;
    switch (code) {
        case CHDF5_FLOAT32: return H5T_IEEE_F32LE;
        case CHDF5_FLOAT64: return H5T_IEEE_F64LE;
        case CHDF5_FLOAT16: *owned = 1; return half_type();
        case CHDF5_INT16: return H5T_STD_I16LE;
        case CHDF5_INT32: return H5T_STD_I32LE;
        case CHDF5_INT64: return H5T_STD_I64LE;
        case CHDF5_UINT8: return H5T_STD_U8LE;
        default: return -1;
    }
}

int64_t chdf5_open(const char *path, int mode) {
    quiet();
    switch (mode) {
        case CHDF5_OPEN_READ: return H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        case CHDF5_OPEN_READ_WRITE: return H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
        case CHDF5_OPEN_CREATE: return H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        case CHDF5_OPEN_UPDATE: {
#if H5_VERSION_GE(1, 12, 0)
            htri_t is = H5Fis_accessible(path, H5P_DEFAULT);
#else
            htri_t is = H5Fis_hdf5(path);
#endif
            if (is > 0) return H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
            FILE *probe = fopen(path, "rb");
            if (probe != NULL) { fclose(probe); return -1; } /* exists but is not HDF5 */
            return H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
        }
        default: return -1;
    }
}

int chdf5_close(int64_t file) { return H5Fclose(file) < 0 ? -1 : 0; }

int chdf5_flush(int64_t file) { return H5Fflush(file, H5F_SCOPE_GLOBAL) < 0 ? -1 : 0; }

int chdf5_exists(int64_t file, const char *path) {
    quiet();
    /* H5Lexists fails on a missing intermediate: check each prefix. */
    size_t length = strlen(path);
    char *copy = malloc(length + 1);
    if (copy == NULL) return -1;
    memcpy(copy, path, length + 1);
    int result = 1;
    for (size_t i = 1; i <= length && result == 1; ++i) {
        if (copy[i] == '/' || copy[i] == '\0') {
            char saved = copy[i];
            copy[i] = '\0';
            htri_t e = H5Lexists(file, copy, H5P_DEFAULT);
            if (e <= 0) result = e < 0 ? -1 : 0;
            copy[i] = saved;
        }
    }
    free(copy);
    return result;
}

int chdf5_kind(int64_t file, const char *path) {
    int e = chdf5_exists(file, path);
    if (e <= 0) return e;
    H5O_info_t info;
#if H5_VERSION_GE(1, 12, 0)
    if (H5Oget_info_by_name3(file, path, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return -1;
#else
    if (H5Oget_info_by_name2(file, path, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return -1;
#endif
    if (info.type == H5O_TYPE_DATASET) return CHDF5_KIND_DATASET;
    if (info.type == H5O_TYPE_GROUP) return CHDF5_KIND_GROUP;
    return -1;
}

int chdf5_delete(int64_t file, const char *path) {
    quiet();
    return H5Ldelete(file, path, H5P_DEFAULT) < 0 ? -1 : 0;
}

int chdf5_copy(int64_t source, int64_t destination, const char *path) {
    quiet();
    hid_t links = H5Pcreate(H5P_LINK_CREATE);
    if (links < 0) return -1;
    H5Pset_create_intermediate_group(links, 1);
    herr_t status = H5Ocopy(source, path, destination, path, H5P_DEFAULT, links);
    H5Pclose(links);
    return status < 0 ? -1 : 0;
}

int chdf5_write(int64_t file, const char *path, int memory_type, int file_type,
                int rank, const uint64_t *dims, const void *data) {
    quiet();
    if (rank < 0 || rank > 8) return -1;
    /* float16 in memory too: the caller rounds (HDF5 1.10's float32 -> float16 conversion
       mishandles the rounding carry of some values). */
    int mem_owned = memory_type == CHDF5_FLOAT16;
    hid_t mem = mem_owned ? half_type() : memory_type_id(memory_type);
    int owned = 0;
    hid_t disk = file_type_id(file_type, &owned);
    if (mem < 0 || disk < 0) {
        if (mem_owned && mem >= 0) H5Tclose(mem);
        if (owned && disk >= 0) H5Tclose(disk);
        return -1;
    }
    if (chdf5_exists(file, path) == 1) H5Ldelete(file, path, H5P_DEFAULT);
    hsize_t sizes[8];
    for (int k = 0; k < rank; ++k) sizes[k] = (hsize_t)dims[k];
    hid_t space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, sizes, NULL);
    hid_t links = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(links, 1);
    int status = -1;
    if (space >= 0 && links >= 0) {
        hid_t dataset = H5Dcreate2(file, path, disk, space, links, H5P_DEFAULT, H5P_DEFAULT);
        if (dataset >= 0) {
            status = H5Dwrite(dataset, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0 ? -1 : 0;
            H5Dclose(dataset);
        }
    }
    if (links >= 0) H5Pclose(links);
    if (space >= 0) H5Sclose(space);
    if (owned) H5Tclose(disk);
    if (mem_owned) H5Tclose(mem);
    return status;
}

int chdf5_shape(int64_t file, const char *path, int *rank, uint64_t *dims, int *element_class, int *element_size) {
    quiet();
    hid_t dataset = H5Dopen2(file, path, H5P_DEFAULT);
    if (dataset < 0) return -1;
    hid_t space = H5Dget_space(dataset);
    hid_t type = H5Dget_type(dataset);
    int status = -1;
    if (space >= 0 && type >= 0) {
        int r = H5Sget_simple_extent_ndims(space);
        if (r >= 0 && r <= 8) {
            hsize_t sizes[8];
            H5Sget_simple_extent_dims(space, sizes, NULL);
            *rank = r;
            for (int k = 0; k < r; ++k) dims[k] = (uint64_t)sizes[k];
            H5T_class_t c = H5Tget_class(type);
            *element_class = c == H5T_FLOAT ? CHDF5_CLASS_FLOAT : (c == H5T_INTEGER ? CHDF5_CLASS_INTEGER : CHDF5_CLASS_OTHER);
            *element_size = (int)H5Tget_size(type);
            status = 0;
        }
    }
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    H5Dclose(dataset);
    return status;
}

/* Whether a dataset's header is consistent enough to read: a numeric element type of 1 to 8
 * bytes and, for contiguous storage, as many bytes stored as the elements need. libhdf5 1.10
 * (Debian 12's) copies through a NULL buffer for some damaged headers that break these (found
 * by fuzzing), so they are checked here first. */
static int plausible_numeric_dataset(hid_t dataset, uint64_t count) {
    hid_t type = H5Dget_type(dataset);
    if (type < 0) return 0;
    H5T_class_t type_class = H5Tget_class(type);
    size_t size = H5Tget_size(type);
    H5Tclose(type);
    if ((type_class != H5T_INTEGER && type_class != H5T_FLOAT) || size < 1 || size > 8) return 0;
    hid_t plist = H5Dget_create_plist(dataset);
    if (plist < 0) return 0;
    H5D_layout_t layout = H5Pget_layout(plist);
    H5Pclose(plist);
    hsize_t stored = H5Dget_storage_size(dataset);
    if (layout == H5D_COMPACT) {
        /* The data lives in the header itself: it must all be there. */
        if (stored < count * size) return 0;
    } else if (layout == H5D_CONTIGUOUS) {
        if (stored != 0 && stored < count * size) return 0; /* 0: not written yet (fill value) */
    } else if (layout != H5D_CHUNKED) {
        return 0;
    }
    return 1;
}

int chdf5_read(int64_t file, const char *path, int memory_type, void *buffer, uint64_t capacity) {
    quiet();
    int mem_owned = memory_type == CHDF5_FLOAT16;
    hid_t mem = mem_owned ? half_type() : memory_type_id(memory_type);
    if (mem < 0) return -1;
    hid_t dataset = H5Dopen2(file, path, H5P_DEFAULT);
    if (dataset < 0) { if (mem_owned) H5Tclose(mem); return -1; }
    hid_t space = H5Dget_space(dataset);
    hssize_t count = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    int status = -1;
    if (count > 0 && !plausible_numeric_dataset(dataset, (uint64_t)count)) {
        count = -1; /* a damaged header: refused before libhdf5 trusts it */
    }
    if (count == 0) {
        status = 0; /* nothing to read (and an empty Swift array passes no buffer) */
    } else if (count > 0 && (uint64_t)count <= capacity && buffer != NULL) {
        status = H5Dread(dataset, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer) < 0 ? -1 : 0;
    }
    if (space >= 0) H5Sclose(space);
    H5Dclose(dataset);
    if (mem_owned) H5Tclose(mem);
    return status;
}

int chdf5_write_attribute(int64_t file, const char *path, const char *name, double value) {
    quiet();
    if (H5Aexists_by_name(file, path, name, H5P_DEFAULT) > 0) H5Adelete_by_name(file, path, name, H5P_DEFAULT);
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attribute = H5Acreate_by_name(file, path, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int status = -1;
    if (attribute >= 0) {
        status = H5Awrite(attribute, H5T_NATIVE_DOUBLE, &value) < 0 ? -1 : 0;
        H5Aclose(attribute);
    }
    H5Sclose(space);
    return status;
}

/* Opens the attribute `name` of the object at path: 0 with *attribute set, 1 when absent, -1 on error. */
static int open_attribute(int64_t file, const char *path, const char *name, hid_t *attribute) {
    quiet();
    htri_t e = H5Aexists_by_name(file, path, name, H5P_DEFAULT);
    if (e < 0) return -1;
    if (e == 0) return 1;
    *attribute = H5Aopen_by_name(file, path, name, H5P_DEFAULT, H5P_DEFAULT);
    return *attribute < 0 ? -1 : 0;
}

int chdf5_read_attribute(int64_t file, const char *path, const char *name, double *value) {
    hid_t attribute;
    int opened = open_attribute(file, path, name, &attribute);
    if (opened != 0) return opened;
    int status = H5Aread(attribute, H5T_NATIVE_DOUBLE, value) < 0 ? -1 : 0;
    H5Aclose(attribute);
    return status;
}

int chdf5_write_string_attribute(int64_t file, const char *path, const char *name, const char *value, uint64_t length) {
    quiet();
    if (H5Aexists_by_name(file, path, name, H5P_DEFAULT) > 0) H5Adelete_by_name(file, path, name, H5P_DEFAULT);
    hid_t type = H5Tcopy(H5T_C_S1);
    if (type < 0) return -1;
    int status = -1;
    /* HDF5 refuses a zero-sized string type: an empty string is stored as one NUL byte. */
    if (H5Tset_size(type, length > 0 ? length : 1) >= 0 && H5Tset_strpad(type, H5T_STR_NULLPAD) >= 0
        && H5Tset_cset(type, H5T_CSET_UTF8) >= 0) {
        hid_t space = H5Screate(H5S_SCALAR);
        hid_t attribute = H5Acreate_by_name(file, path, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (attribute >= 0) {
            char empty = 0;
            status = H5Awrite(attribute, type, length > 0 ? value : &empty) < 0 ? -1 : 0;
            H5Aclose(attribute);
        }
        H5Sclose(space);
    }
    H5Tclose(type);
    return status;
}

int chdf5_read_string_attribute(int64_t file, const char *path, const char *name, char *buffer, uint64_t capacity,
                                uint64_t *length) {
    hid_t attribute;
    int opened = open_attribute(file, path, name, &attribute);
    if (opened != 0) return opened;
    int status = -1;
    hid_t type = H5Aget_type(attribute);
    hid_t space = H5Aget_space(attribute);
    if (type >= 0 && space >= 0 && H5Tget_class(type) == H5T_STRING && !H5Tis_variable_str(type)
        && H5Sget_simple_extent_npoints(space) == 1) {
        size_t size = H5Tget_size(type);
        char *all = malloc(size + 1);
        if (all != NULL) {
            if (H5Aread(attribute, type, all) >= 0) {
                all[size] = 0;
                size_t used = strnlen(all, size);
                *length = used;
                memcpy(buffer, all, used < capacity ? used : capacity);
                status = 0;
            }
            free(all);
        }
    }
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    H5Aclose(attribute);
    return status;
}

typedef struct {
    const char *leaf;
    size_t leaf_length;
    char *buffer;
    uint64_t capacity;
    uint64_t length;
    /* Links left to visit: a damaged file can hold a symbol-table B-tree that loops, which
       H5Ovisit would walk for ever; a valid file cannot hold more links than it has bytes / 8. */
    int64_t budget;
    char path[4096];
} list_state;

static void append_parent(list_state *state, size_t parent) {
    if (state->length + parent + 1 <= state->capacity) {
        memcpy(state->buffer + state->length, state->path, parent);
        state->buffer[state->length + parent] = '\n';
    }
    state->length += parent + 1;
}

/* The type of the object a link points at (H5O_TYPE_GROUP, H5O_TYPE_DATASET, ...), or
 * H5O_TYPE_UNKNOWN when its header cannot be read (it is then not an entry). */
static H5O_type_t linked_object_type(hid_t group, const char *name) {
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t object;
    if (H5Oget_info_by_name3(group, name, &object, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return H5O_TYPE_UNKNOWN;
#else
    H5O_info_t object;
    if (H5Oget_info_by_name2(group, name, &object, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return H5O_TYPE_UNKNOWN;
#endif
    return object.type;
}

static herr_t visit_link(hid_t group, const char *name, const H5L_info_t *info, void *data) {
    list_state *state = (list_state *)data;
    if (--state->budget < 0) return -1;
    if (info->type != H5L_TYPE_HARD) return 0;
    size_t parent = strlen(state->path), n = strlen(name);
    if (parent + 1 + n + 1 > sizeof state->path) return -1;
    H5O_type_t type = linked_object_type(group, name);
    herr_t status = 0;
    if (type == H5O_TYPE_DATASET) {
        /* path is "parent/path" (without the leading '/'); keep it when the dataset is `leaf`. */
        if (parent > 0 && strcmp(name, state->leaf) == 0) append_parent(state, parent);
    } else if (type == H5O_TYPE_GROUP) {
        size_t at = parent;
        if (at > 0) state->path[at++] = '/';
        memcpy(state->path + at, name, n + 1);
        status = H5Literate_by_name(group, name, H5_INDEX_NAME, H5_ITER_INC, NULL, visit_link, state, H5P_DEFAULT) < 0 ? -1 : 0;
        state->path[parent] = 0;
    }
    return status;
}

int64_t chdf5_list_parents(int64_t file, const char *leaf, char *buffer, uint64_t capacity) {
    quiet();
    list_state state = {leaf, strlen(leaf), buffer, capacity, 0, 0, {0}};
    hsize_t size = 0;
    if (H5Fget_filesize(file, &size) < 0) return -1;
    state.budget = (int64_t)(size / 8) + 64;
    hid_t root = H5Gopen2(file, "/", H5P_DEFAULT);
    if (root < 0) return -1;
    herr_t status = H5Literate(root, H5_INDEX_NAME, H5_ITER_INC, NULL, visit_link, &state);
    H5Gclose(root);
    return status < 0 ? -1 : (int64_t)state.length;
}

/* ---- Structure check (run in a child process by reloc before it trusts a file) ---- */

typedef struct {
    int64_t budget;
    int depth;
} check_state;

static herr_t check_attribute(hid_t object, const char *name, const H5A_info_t *info, void *data) {
    (void)info;
    (void)data;
    hid_t attribute = H5Aopen(object, name, H5P_DEFAULT);
    if (attribute < 0) return 0;
    hid_t type = H5Aget_type(attribute);
    hid_t space = H5Aget_space(attribute);
    if (type >= 0 && space >= 0 && H5Tget_class(type) == H5T_FLOAT && H5Sget_simple_extent_npoints(space) == 1) {
        double value;
        H5Aread(attribute, H5T_NATIVE_DOUBLE, &value);
    }
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    H5Aclose(attribute);
    return 0;
}

static herr_t check_link(hid_t group, const char *name, const H5L_info_t *info, void *data) {
    check_state *state = (check_state *)data;
    if (--state->budget < 0) return -1;
    if (info->type != H5L_TYPE_HARD) return 0;
    H5O_type_t type = linked_object_type(group, name);
    if (type == H5O_TYPE_GROUP) {
        if (state->depth >= 64) return -1;
        state->depth++;
        herr_t status = H5Literate_by_name(group, name, H5_INDEX_NAME, H5_ITER_INC, NULL, check_link, state, H5P_DEFAULT);
        state->depth--;
        return status < 0 ? -1 : 0;
    }
    if (type != H5O_TYPE_DATASET) return 0;
    /* What the readers do with a dataset, short of reading contiguous data: open it, its type,
       shape and layout, its storage (which walks a chunk index), its attributes. */
    hid_t dataset = H5Dopen2(group, name, H5P_DEFAULT);
    if (dataset < 0) return 0;
    hid_t space = H5Dget_space(dataset);
    hssize_t count = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    if (space >= 0) H5Sclose(space);
    if (count > 0) (void)plausible_numeric_dataset(dataset, (uint64_t)count);
    hsize_t index = 0;
    H5Aiterate2(dataset, H5_INDEX_NAME, H5_ITER_INC, &index, check_attribute, NULL);
    /* The lookup the feature reader makes (`uncertainty` on keypoints) decodes every attribute
       message on its own path; an absent name makes it visit them all. */
    H5Aexists_by_name(dataset, ".", "uncertainty", H5P_DEFAULT);
    H5Aexists_by_name(dataset, ".", "reloc-check-absent", H5P_DEFAULT);
    H5Dclose(dataset);
    return 0;
}

int chdf5_check_structure(const char *path) {
    quiet();
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) return 1;
    hsize_t size = 0;
    check_state state = {64, 0};
    if (H5Fget_filesize(file, &size) >= 0) state.budget += (int64_t)(size / 8);
    hid_t root = H5Gopen2(file, "/", H5P_DEFAULT);
    int status = 1;
    if (root >= 0) {
        status = H5Literate(root, H5_INDEX_NAME, H5_ITER_INC, NULL, check_link, &state) < 0 ? 1 : 0;
        H5Gclose(root);
    }
    H5Fclose(file);
    return status;
}
