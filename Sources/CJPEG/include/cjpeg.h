/*
 * CJPEG: JPEG decoding and encoding through libjpeg-turbo, in memory.
 *
 * libjpeg's default error handler calls exit(); this shim installs a setjmp
 * error manager instead, so a corrupt or truncated file becomes an error
 * message, never a process exit. Pixel buffers are 8-bit, row-major, tightly
 * packed (stride = width * channels).
 */
#ifndef RELOC_CJPEG_H
#define RELOC_CJPEG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CJPEG_MESSAGE_CAPACITY 200

typedef struct {
    unsigned char *pixels; /* malloc'ed; release with cjpeg_free */
    int width;
    int height;
    int channels;          /* 1 (grayscale) or 3 (RGB) */
    char message[CJPEG_MESSAGE_CAPACITY]; /* set when the call fails */
} cjpeg_image;

/*
 * Decodes a JPEG held in memory. `channels` is the wanted output: 1 for
 * grayscale (libjpeg's own conversion), 3 for RGB. Returns 0 on success,
 * -1 on failure with `out->message` set and `out->pixels` NULL.
 */
int cjpeg_decode(const unsigned char *data, size_t size, int channels, cjpeg_image *out);

/*
 * Encodes pixels (1 or 3 channels) at `quality` (1..100) into a malloc'ed
 * buffer returned in *jpeg / *jpeg_size (release with cjpeg_free). Returns 0
 * on success, -1 on failure with `message` (CJPEG_MESSAGE_CAPACITY bytes) set.
 */
int cjpeg_encode(const unsigned char *pixels, int width, int height, int channels,
                 int quality, unsigned char **jpeg, size_t *jpeg_size, char *message);

void cjpeg_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif /* RELOC_CJPEG_H */
