/*
 * CPNG: PNG decoding and encoding through libpng's simplified API (png_image), in memory.
 * Errors come back as messages; libpng never exits or longjmps into Swift.
 */
#ifndef RELOC_CPNG_H
#define RELOC_CPNG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CPNG_MESSAGE_CAPACITY 200

typedef struct {
    unsigned char *pixels; /* malloc'ed, 8-bit, row-major, tightly packed; release with cpng_free */
    int width;
    int height;
    int channels; /* 1 or 3 */
    char message[CPNG_MESSAGE_CAPACITY];
} cpng_image;

/* Decodes a PNG (any bit depth, palette, alpha: converted to 8-bit gray or RGB, alpha
 * composited on black). Returns 0 on success, -1 with out->message set. */
int cpng_decode(const unsigned char *data, size_t size, int channels, cpng_image *out);

/* Encodes 8-bit gray (1) or RGB (3) pixels; *png is malloc'ed (release with cpng_free). */
int cpng_encode(const unsigned char *pixels, int width, int height, int channels,
                unsigned char **png, size_t *png_size, char *message);

void cpng_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif
