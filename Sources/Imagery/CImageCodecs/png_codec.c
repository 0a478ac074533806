// libpng shims (decoding, and the fixture encoder; PNG output is png_parallel.c). libpng's error callback must not return: ours records the message and
// png_longjmp()s to the setjmp(png_jmpbuf()) of the shim function that made the call. State that
// must survive the jump lives in heap structs; destroy/cleanup functions free everything, so
// a failure at any point leaks nothing.
#include "CImageCodecs.h"

#include <errno.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

_Static_assert(IC_PNG_FILTER_NONE == PNG_FILTER_NONE && IC_PNG_FILTER_SUB == PNG_FILTER_SUB &&
                   IC_PNG_FILTER_UP == PNG_FILTER_UP && IC_PNG_FILTER_AVG == PNG_FILTER_AVG &&
                   IC_PNG_FILTER_PAETH == PNG_FILTER_PAETH,
               "filter flags mirror libpng's");

/// Error state shared by every libpng-facing struct; it is libpng's error_ptr.
struct ic_png_error {
    int status;
    int io_errno;
    char message[256];
};

static void ic_png_fail(png_structp png, png_const_charp text) {
    struct ic_png_error *err = png_get_error_ptr(png);
    if (err->status == IC_OK) {
        err->status = strstr(text, "memory") != NULL ? IC_ERR_NOMEM : IC_ERR_CORRUPT;
    }
    snprintf(err->message, sizeof err->message, "%s", text);
    png_longjmp(png, 1);
}

// Warnings (bad ancillary chunks, benign errors) are dropped: the image is still usable and a
// server must not print to stderr.
static void ic_png_warn(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

/// Marks the error as I/O before raising it, so the caller can report errno.
static void ic_png_fail_io(png_structp png, struct ic_png_error *err, int saved_errno, const char *text) {
    err->status = IC_ERR_IO;
    err->io_errno = saved_errno;
    png_error(png, text);
}

/* ---------------------------------------------------------------- decoder */

struct ic_png_decoder {
    struct ic_png_error err;
    png_structp png;
    png_infop info;
    ic_source source;
    size_t offset;
    int have_header;
    int started;
    int finished;
    int failed;
    int interlaced;
    uint32_t width;
    uint32_t height;
    size_t rowbytes;
    uint32_t next_row;
    /// Whole decoded image, only for interlaced files.
    uint8_t *image;
    png_bytep *rows;
    /// Rows finished in the current read_rows call; a field so it is well-defined after a longjmp.
    uint32_t rows_done;
};

static void ic_png_read(png_structp png, png_bytep out, size_t length) {
    ic_png_decoder *d = png_get_io_ptr(png);
    if (d->source.file != NULL) {
        size_t got = fread(out, 1, length, d->source.file);
        if (got != length) {
            if (ferror(d->source.file)) {
                ic_png_fail_io(png, &d->err, errno, "read error");
            }
            png_error(png, "unexpected end of file (truncated PNG)");
        }
    } else {
        if (d->source.size - d->offset < length) {
            png_error(png, "unexpected end of data (truncated PNG)");
        }
        memcpy(out, d->source.data + d->offset, length);
        d->offset += length;
    }
}

ic_png_decoder *ic_png_decoder_create(const ic_source *source) {
    if (source == NULL) {
        return NULL;
    }
    ic_png_decoder *d = calloc(1, sizeof *d);
    if (d == NULL) {
        return NULL;
    }
    d->source = *source;
    return d;
}

void ic_png_decoder_destroy(ic_png_decoder *d) {
    if (d == NULL) {
        return;
    }
    if (d->png != NULL) {
        png_destroy_read_struct(&d->png, d->info != NULL ? &d->info : NULL, NULL);
    }
    free(d->rows);
    free(d->image);
    free(d);
}

const char *ic_png_decoder_message(const ic_png_decoder *d) {
    return d == NULL ? "" : d->err.message;
}

int ic_png_decoder_errno(const ic_png_decoder *d) {
    return d == NULL ? 0 : d->err.io_errno;
}

static int ic_png_decoder_failed(ic_png_decoder *d, int status, const char *text) {
    d->failed = 1;
    d->err.status = status;
    snprintf(d->err.message, sizeof d->err.message, "%s", text);
    return status;
}

int ic_png_decoder_read_header(ic_png_decoder *d, ic_png_info *info) {
    if (d == NULL || info == NULL || d->png != NULL || d->failed) {
        return IC_ERR_STATE;
    }
    d->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &d->err, ic_png_fail, ic_png_warn);
    if (d->png == NULL) {
        return ic_png_decoder_failed(d, IC_ERR_NOMEM, "out of memory creating the PNG reader");
    }
    d->info = png_create_info_struct(d->png);
    if (d->info == NULL) {
        return ic_png_decoder_failed(d, IC_ERR_NOMEM, "out of memory creating the PNG info");
    }
    if (setjmp(png_jmpbuf(d->png))) {
        d->failed = 1;
        return d->err.status;
    }
    png_set_read_fn(d->png, d, ic_png_read);
    // The pixel limit is the caller's policy (checked from these numbers before any allocation);
    // libpng's own 1,000,000-pixel-per-side default would pre-empt it with a different error.
    png_set_user_limits(d->png, 0x7fffffff, 0x7fffffff);
    png_read_info(d->png, d->info);
    d->have_header = 1;
    d->width = png_get_image_width(d->png, d->info);
    d->height = png_get_image_height(d->png, d->info);
    int color_type = png_get_color_type(d->png, d->info);
    info->width = d->width;
    info->height = d->height;
    info->bit_depth = png_get_bit_depth(d->png, d->info);
    info->color_type = color_type;
    info->interlaced = png_get_interlace_type(d->png, d->info) != PNG_INTERLACE_NONE;
    info->has_alpha = (color_type & PNG_COLOR_MASK_ALPHA) != 0 ||
                      png_get_valid(d->png, d->info, PNG_INFO_tRNS) != 0;
    return IC_OK;
}

int ic_png_decoder_start(ic_png_decoder *d, int *channels) {
    if (d == NULL || channels == NULL || !d->have_header || d->started || d->failed) {
        return IC_ERR_STATE;
    }
    if (setjmp(png_jmpbuf(d->png))) {
        d->failed = 1;
        return d->err.status;
    }
    int color_type = png_get_color_type(d->png, d->info);
    int bit_depth = png_get_bit_depth(d->png, d->info);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(d->png);
    }
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) {
        png_set_expand_gray_1_2_4_to_8(d->png);
    }
    if (png_get_valid(d->png, d->info, PNG_INFO_tRNS)) {
        png_set_tRNS_to_alpha(d->png);
    }
    if (bit_depth == 16) {
        // Keeps the high byte (v >> 8), libpng's cheap reduction; png_set_scale_16 would round.
        png_set_strip_16(d->png);
    }
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) {
        png_set_gray_to_rgb(d->png);
    }
    if (png_get_interlace_type(d->png, d->info) != PNG_INTERLACE_NONE) {
        d->interlaced = 1;
        png_set_interlace_handling(d->png);
    }
    png_read_update_info(d->png, d->info);
    int out_channels = png_get_channels(d->png, d->info);
    d->rowbytes = png_get_rowbytes(d->png, d->info);
    if ((out_channels != 3 && out_channels != 4) || png_get_bit_depth(d->png, d->info) != 8 ||
        d->rowbytes != (size_t)d->width * (size_t)out_channels) {
        return ic_png_decoder_failed(d, IC_ERR_UNSUPPORTED, "PNG did not normalise to 8-bit RGB/RGBA");
    }
    d->started = 1;
    *channels = out_channels;
    if (d->interlaced) {
        // Adam7 delivers pixels pass by pass, so rows are only complete after the last pass.
        if (d->height != 0 && d->rowbytes > SIZE_MAX / d->height) {
            return ic_png_decoder_failed(d, IC_ERR_NOMEM, "interlaced PNG too large to buffer");
        }
        d->image = malloc(d->rowbytes * d->height);
        d->rows = malloc(sizeof(png_bytep) * d->height);
        if (d->image == NULL || d->rows == NULL) {
            return ic_png_decoder_failed(d, IC_ERR_NOMEM, "out of memory buffering an interlaced PNG");
        }
        for (uint32_t y = 0; y < d->height; y++) {
            d->rows[y] = d->image + (size_t)y * d->rowbytes;
        }
        png_read_image(d->png, d->rows);
        png_read_end(d->png, NULL);
        d->finished = 1;
    }
    return IC_OK;
}

int ic_png_decoder_read_rows(ic_png_decoder *d, uint8_t *pixels, size_t stride, uint32_t max_rows,
                             uint32_t *rows_read) {
    if (d == NULL || pixels == NULL || rows_read == NULL || !d->started || d->failed) {
        return IC_ERR_STATE;
    }
    *rows_read = 0;
    d->rows_done = 0;
    if (setjmp(png_jmpbuf(d->png))) {
        d->failed = 1;
        *rows_read = d->rows_done;
        return d->err.status;
    }
    while (d->rows_done < max_rows && d->next_row < d->height) {
        uint8_t *dst = pixels + (size_t)d->rows_done * stride;
        if (d->interlaced) {
            memcpy(dst, d->rows[d->next_row], d->rowbytes);
        } else {
            png_read_row(d->png, dst, NULL);
        }
        d->next_row++;
        d->rows_done++;
    }
    if (d->next_row == d->height && !d->finished) {
        // Reads through IEND so a file cut after its image data still counts as truncated.
        png_read_end(d->png, NULL);
        d->finished = 1;
    }
    *rows_read = d->rows_done;
    return IC_OK;
}

/* ---------------------------------------------------------------- memory sink */

struct ic_png_sink {
    FILE *file;
    uint8_t *buffer;
    size_t capacity;
    uint64_t size;
};

static void ic_png_sink_write(png_structp png, struct ic_png_sink *sink, struct ic_png_error *err,
                              png_bytep data, size_t length) {
    if (sink->file != NULL) {
        if (fwrite(data, 1, length, sink->file) != length) {
            ic_png_fail_io(png, err, errno, "write error");
        }
    } else {
        if (sink->capacity - (size_t)sink->size < length) {
            size_t wanted = sink->capacity == 0 ? 65536 : sink->capacity;
            while (wanted - (size_t)sink->size < length) {
                if (wanted > SIZE_MAX / 2) {
                    png_error(png, "out of memory growing the PNG buffer");
                }
                wanted *= 2;
            }
            uint8_t *grown = realloc(sink->buffer, wanted);
            if (grown == NULL) {
                png_error(png, "out of memory growing the PNG buffer");
            }
            sink->buffer = grown;
            sink->capacity = wanted;
        }
        memcpy(sink->buffer + sink->size, data, length);
    }
    sink->size += length;
}

// Flushing is done once in finish; libpng's periodic flushes would only cost syscalls.
static void ic_png_flush_nothing(png_structp png) {
    (void)png;
}

/* ---------------------------------------------------------------- fixture PNG encoder */

struct ic_png_raw_ctx {
    struct ic_png_error err;
    png_structp png;
    png_infop info;
    struct ic_png_sink sink;
    png_bytep *rows;
};

static void ic_png_raw_write(png_structp png, png_bytep data, size_t length) {
    struct ic_png_raw_ctx *ctx = png_get_io_ptr(png);
    ic_png_sink_write(png, &ctx->sink, &ctx->err, data, length);
}

static void ic_png_raw_cleanup(struct ic_png_raw_ctx *ctx) {
    if (ctx->png != NULL) {
        png_destroy_write_struct(&ctx->png, ctx->info != NULL ? &ctx->info : NULL);
    }
    free(ctx->rows);
    free(ctx->sink.buffer);
    free(ctx);
}

int ic_png_encode_raw(uint32_t width, uint32_t height, int color_type, int bit_depth, int interlaced,
                      const uint8_t *rows, size_t stride,
                      const uint8_t *palette, int palette_count,
                      const uint8_t *trns, int trns_count, const uint16_t *trns_color,
                      uint8_t **out, size_t *out_size, char *message, size_t message_size) {
    if (rows == NULL || out == NULL || out_size == NULL || width == 0 || height == 0) {
        return IC_ERR_STATE;
    }
    struct ic_png_raw_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL) {
        return IC_ERR_NOMEM;
    }
    ctx->rows = malloc(sizeof(png_bytep) * height);
    ctx->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx->err, ic_png_fail, ic_png_warn);
    if (ctx->rows == NULL || ctx->png == NULL ||
        (ctx->info = png_create_info_struct(ctx->png)) == NULL) {
        ic_png_raw_cleanup(ctx);
        return IC_ERR_NOMEM;
    }
    if (setjmp(png_jmpbuf(ctx->png))) {
        int status = ctx->err.status;
        if (message != NULL && message_size > 0) {
            snprintf(message, message_size, "%s", ctx->err.message);
        }
        ic_png_raw_cleanup(ctx);
        return status;
    }
    png_set_write_fn(ctx->png, ctx, ic_png_raw_write, ic_png_flush_nothing);
    png_set_IHDR(ctx->png, ctx->info, width, height, bit_depth, color_type,
                 interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (color_type == PNG_COLOR_TYPE_PALETTE && palette != NULL && palette_count > 0) {
        png_color entries[256];
        int count = palette_count > 256 ? 256 : palette_count;
        for (int i = 0; i < count; i++) {
            entries[i].red = palette[3 * i];
            entries[i].green = palette[3 * i + 1];
            entries[i].blue = palette[3 * i + 2];
        }
        png_set_PLTE(ctx->png, ctx->info, entries, count);
    }
    if (trns_color != NULL) {
        png_color_16 value;
        memset(&value, 0, sizeof value);
        if (color_type == PNG_COLOR_TYPE_GRAY) {
            value.gray = trns_color[0];
        } else {
            value.red = trns_color[0];
            value.green = trns_color[1];
            value.blue = trns_color[2];
        }
        png_set_tRNS(ctx->png, ctx->info, NULL, 0, &value);
    } else if (trns != NULL && trns_count > 0) {
        png_set_tRNS(ctx->png, ctx->info, trns, trns_count, NULL);
    }
    png_write_info(ctx->png, ctx->info);
    for (uint32_t y = 0; y < height; y++) {
        ctx->rows[y] = (png_bytep)(rows + (size_t)y * stride);
    }
    // png_write_image runs the Adam7 passes itself when the image is interlaced.
    png_write_image(ctx->png, ctx->rows);
    png_write_end(ctx->png, NULL);
    *out = ctx->sink.buffer;
    *out_size = (size_t)ctx->sink.size;
    ctx->sink.buffer = NULL; // ownership moves to the caller
    ic_png_raw_cleanup(ctx);
    return IC_OK;
}
