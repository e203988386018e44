#include "cpng.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cpng_decode(const unsigned char *data, size_t size, int channels, cpng_image *out) {
    memset(out, 0, sizeof(*out));
    if (channels != 1 && channels != 3) {
        snprintf(out->message, CPNG_MESSAGE_CAPACITY, "unsupported channel count %d", channels);
        return -1;
    }
    png_image image;
    memset(&image, 0, sizeof(image));
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        snprintf(out->message, CPNG_MESSAGE_CAPACITY, "%s", image.message);
        return -1;
    }
    image.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
    const size_t stride = (size_t)image.width * (size_t)channels;
    unsigned char *pixels = malloc(stride * image.height);
    if (pixels == NULL) {
        png_image_free(&image);
        snprintf(out->message, CPNG_MESSAGE_CAPACITY, "out of memory for %ux%u image", image.width, image.height);
        return -1;
    }
    png_color black = {0, 0, 0};
    if (!png_image_finish_read(&image, &black, pixels, (png_int_32)stride, NULL)) {
        snprintf(out->message, CPNG_MESSAGE_CAPACITY, "%s", image.message);
        free(pixels);
        png_image_free(&image);
        return -1;
    }
    out->pixels = pixels;
    out->width = (int)image.width;
    out->height = (int)image.height;
    out->channels = channels;
    png_image_free(&image);
    return 0;
}

int cpng_encode(const unsigned char *pixels, int width, int height, int channels,
                unsigned char **png, size_t *png_size, char *message) {
    *png = NULL;
    *png_size = 0;
    if ((channels != 1 && channels != 3) || width <= 0 || height <= 0 || pixels == NULL) {
        snprintf(message, CPNG_MESSAGE_CAPACITY, "invalid image %dx%dx%d", width, height, channels);
        return -1;
    }
    png_image image;
    memset(&image, 0, sizeof(image));
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
    png_alloc_size_t size = 0;
    const png_int_32 stride = width * channels;
    if (!png_image_write_to_memory(&image, NULL, &size, 0, pixels, stride, NULL)) {
        snprintf(message, CPNG_MESSAGE_CAPACITY, "%s", image.message);
        return -1;
    }
    unsigned char *buffer = malloc(size);
    if (buffer == NULL) {
        snprintf(message, CPNG_MESSAGE_CAPACITY, "out of memory");
        return -1;
    }
    if (!png_image_write_to_memory(&image, buffer, &size, 0, pixels, stride, NULL)) {
        snprintf(message, CPNG_MESSAGE_CAPACITY, "%s", image.message);
        free(buffer);
        return -1;
    }
    *png = buffer;
    *png_size = size;
    return 0;
}

void cpng_free(void *pointer) { free(pointer); }
