#include "cjpeg.h"

#include <stdio.h>  /* jpeglib.h needs FILE and size_t first */
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
} error_manager;

static void on_error(j_common_ptr info) {
    error_manager *manager = (error_manager *)info->err;
    char text[JMSG_LENGTH_MAX];
    (*info->err->format_message)(info, text);
    snprintf(manager->message, CJPEG_MESSAGE_CAPACITY, "%s", text);
    longjmp(manager->jump, 1);
}

/* Corrupt-data warnings (e.g. premature end of data) are treated as errors:
 * a half-decoded image must never pass for a good one. */
static void on_message(j_common_ptr info, int level) {
    if (level < 0) {
        on_error(info);
    }
}

int cjpeg_decode(const unsigned char *data, size_t size, int channels, cjpeg_image *out) {
    memset(out, 0, sizeof(*out));
    if (channels != 1 && channels != 3) {
        snprintf(out->message, CJPEG_MESSAGE_CAPACITY, "unsupported channel count %d", channels);
        return -1;
    }
    if (data == NULL || size < 4) {
        snprintf(out->message, CJPEG_MESSAGE_CAPACITY, "empty or too short to be a JPEG (%zu bytes)", size);
        return -1;
    }
    struct jpeg_decompress_struct info;
    error_manager manager;
    /* volatile: modified between setjmp and longjmp */
    unsigned char *volatile pixels = NULL;
    info.err = jpeg_std_error(&manager.base);
    manager.base.error_exit = on_error;
    manager.base.emit_message = on_message;
    manager.message = out->message;
    if (setjmp(manager.jump)) {
        jpeg_destroy_decompress(&info);
        free(pixels);
        out->pixels = NULL;
        return -1;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    info.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&info);
    const size_t stride = (size_t)info.output_width * (size_t)channels;
    pixels = (unsigned char *)malloc(stride * info.output_height);
    if (pixels == NULL) {
        snprintf(out->message, CJPEG_MESSAGE_CAPACITY, "out of memory for %ux%u image",
                 info.output_width, info.output_height);
        jpeg_destroy_decompress(&info);
        return -1;
    }
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = pixels + stride * info.output_scanline;
        jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);
    out->width = (int)info.output_width;
    out->height = (int)info.output_height;
    out->channels = channels;
    out->pixels = pixels;
    jpeg_destroy_decompress(&info);
    return 0;
}

int cjpeg_encode(const unsigned char *pixels, int width, int height, int channels,
                 int quality, unsigned char **jpeg, size_t *jpeg_size, char *message) {
    *jpeg = NULL;
    *jpeg_size = 0;
    if ((channels != 1 && channels != 3) || width <= 0 || height <= 0 || pixels == NULL) {
        snprintf(message, CJPEG_MESSAGE_CAPACITY, "invalid image %dx%dx%d", width, height, channels);
        return -1;
    }
    struct jpeg_compress_struct info;
    error_manager manager;
    unsigned char *buffer = NULL;
    unsigned long buffer_size = 0;
    info.err = jpeg_std_error(&manager.base);
    manager.base.error_exit = on_error;
    manager.message = message;
    if (setjmp(manager.jump)) {
        jpeg_destroy_compress(&info);
        free(buffer);
        return -1;
    }
    jpeg_create_compress(&info);
    jpeg_mem_dest(&info, &buffer, &buffer_size);
    info.image_width = (JDIMENSION)width;
    info.image_height = (JDIMENSION)height;
    info.input_components = channels;
    info.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality < 1 ? 1 : (quality > 100 ? 100 : quality), TRUE);
    jpeg_start_compress(&info, TRUE);
    const size_t stride = (size_t)width * (size_t)channels;
    while (info.next_scanline < info.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + stride * info.next_scanline);
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    *jpeg = buffer;
    *jpeg_size = (size_t)buffer_size;
    return 0;
}

void cjpeg_free(void *pointer) { free(pointer); }
