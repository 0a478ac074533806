// libjpeg-turbo shims. libjpeg reports fatal errors through error_exit, which must not return;
// we longjmp back to the setjmp in the shim function that made the call. Everything that must
// survive the jump lives in heap structs (never in locals modified after setjmp), and every
// resource is owned by a struct whose destroy/cleanup frees it, so error paths cannot leak.
#include "CImageCodecs.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

/// Per-handle error manager: the jump target and the formatted message.
struct ic_jpeg_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int status;
    /// libjpeg ran out of input and padded the stream with a fake EOI.
    int saw_eof;
    char message[JMSG_LENGTH_MAX + 64];
};

static void ic_jpeg_fail(j_common_ptr cinfo) {
    struct ic_jpeg_error *err = (struct ic_jpeg_error *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    switch (cinfo->err->msg_code) {
    case JERR_OUT_OF_MEMORY:
        err->status = IC_ERR_NOMEM;
        break;
    case JERR_CONVERSION_NOTIMPL:
    case JERR_BAD_J_COLORSPACE:
    case JERR_NOT_COMPILED:
        err->status = IC_ERR_UNSUPPORTED;
        break;
    default:
        err->status = IC_ERR_CORRUPT;
        break;
    }
    if (err->saw_eof && cinfo->err->msg_code != JWRN_JPEG_EOF) {
        snprintf(err->message, sizeof err->message, "Premature end of JPEG file (%s)", text);
    } else {
        snprintf(err->message, sizeof err->message, "%s", text);
    }
    longjmp(err->jump, 1);
}

// libjpeg pads a truncated stream with a fake EOI and carries on, yielding grey rows; for an
// upload pipeline a silently half-grey picture is worse than an error. Running out of input is
// only harmless when nothing but the EOI marker was missing (common, and accepted by browsers),
// so it becomes fatal once the entropy decoder then finds it lacks data ("hit marker").
// Other corrupt-data warnings are tolerated, as browsers and most decoders do.
static void ic_jpeg_emit(j_common_ptr cinfo, int level) {
    if (level < 0) {
        struct ic_jpeg_error *err = (struct ic_jpeg_error *)cinfo->err;
        if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
            err->saw_eof = 1;
        } else if (cinfo->err->msg_code == JWRN_HIT_MARKER && err->saw_eof) {
            cinfo->err->msg_code = JWRN_JPEG_EOF;
            ic_jpeg_fail(cinfo);
        }
        cinfo->err->num_warnings++;
    }
}

// The default prints to stderr, which a server must not do.
static void ic_jpeg_output_message(j_common_ptr cinfo) {
    (void)cinfo;
}

static struct jpeg_error_mgr *ic_jpeg_error_init(struct ic_jpeg_error *err) {
    struct jpeg_error_mgr *mgr = jpeg_std_error(&err->pub);
    mgr->error_exit = ic_jpeg_fail;
    mgr->emit_message = ic_jpeg_emit;
    mgr->output_message = ic_jpeg_output_message;
    err->status = IC_OK;
    err->saw_eof = 0;
    err->message[0] = '\0';
    return mgr;
}

struct ic_jpeg_decoder {
    struct jpeg_decompress_struct cinfo;
    struct ic_jpeg_error err;
    int created;
    int have_header;
    int started;
    int failed;
    int cmyk;
    int inverted;
    uint8_t *cmyk_row;
    /// Rows finished in the current read_rows call; a field so it is well-defined after a longjmp.
    uint32_t rows_done;
};

ic_jpeg_decoder *ic_jpeg_decoder_create(void) {
    return calloc(1, sizeof(ic_jpeg_decoder));
}

void ic_jpeg_decoder_destroy(ic_jpeg_decoder *d) {
    if (d == NULL) {
        return;
    }
    if (d->created) {
        // Safe in any state, including after a longjmp out of the middle of decoding.
        jpeg_destroy_decompress(&d->cinfo);
    }
    free(d->cmyk_row);
    free(d);
}

const char *ic_jpeg_decoder_message(const ic_jpeg_decoder *d) {
    return d == NULL ? "" : d->err.message;
}

static ic_jpeg_color ic_jpeg_color_from(J_COLOR_SPACE space) {
    switch (space) {
    case JCS_GRAYSCALE: return IC_JPEG_COLOR_GRAY;
    case JCS_RGB: return IC_JPEG_COLOR_RGB;
    case JCS_YCbCr: return IC_JPEG_COLOR_YCBCR;
    case JCS_CMYK: return IC_JPEG_COLOR_CMYK;
    case JCS_YCCK: return IC_JPEG_COLOR_YCCK;
    default: return IC_JPEG_COLOR_UNKNOWN;
    }
}

int ic_jpeg_decoder_read_header(ic_jpeg_decoder *d, const ic_source *source, ic_jpeg_info *info) {
    if (d == NULL || source == NULL || info == NULL || d->created || d->failed) {
        return IC_ERR_STATE;
    }
    if (source->file == NULL && (source->data == NULL || source->size == 0)) {
        snprintf(d->err.message, sizeof d->err.message, "empty JPEG input");
        d->failed = 1;
        return IC_ERR_CORRUPT;
    }
    d->cinfo.err = ic_jpeg_error_init(&d->err);
    if (setjmp(d->err.jump)) {
        d->failed = 1;
        return d->err.status;
    }
    // Marked before the call: the struct is zeroed, and destroy copes with a half-made one.
    d->created = 1;
    jpeg_create_decompress(&d->cinfo);
    if (source->file != NULL) {
        jpeg_stdio_src(&d->cinfo, source->file);
    } else {
        jpeg_mem_src(&d->cinfo, source->data, (unsigned long)source->size);
    }
    jpeg_save_markers(&d->cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&d->cinfo, TRUE);
    d->have_header = 1;
    info->width = d->cinfo.image_width;
    info->height = d->cinfo.image_height;
    info->components = d->cinfo.num_components;
    info->color = ic_jpeg_color_from(d->cinfo.jpeg_color_space);
    info->progressive = d->cinfo.progressive_mode ? 1 : 0;
    info->adobe = d->cinfo.saw_Adobe_marker ? 1 : 0;
    return IC_OK;
}

int ic_jpeg_decoder_exif(const ic_jpeg_decoder *d, const uint8_t **data, size_t *size) {
    if (d == NULL || data == NULL || size == NULL || !d->have_header) {
        return 0;
    }
    static const uint8_t exif_id[6] = {'E', 'x', 'i', 'f', 0, 0};
    for (jpeg_saved_marker_ptr m = d->cinfo.marker_list; m != NULL; m = m->next) {
        if (m->marker == JPEG_APP0 + 1 && m->data_length > sizeof exif_id &&
            memcmp(m->data, exif_id, sizeof exif_id) == 0) {
            *data = m->data + sizeof exif_id;
            *size = m->data_length - sizeof exif_id;
            return 1;
        }
    }
    return 0;
}

int ic_jpeg_decoder_start(ic_jpeg_decoder *d) {
    if (d == NULL || !d->have_header || d->started || d->failed) {
        return IC_ERR_STATE;
    }
    J_COLOR_SPACE out;
    switch (d->cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
    case JCS_RGB:
    case JCS_YCbCr:
        out = JCS_RGB;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        // libjpeg turns YCCK into CMYK; the CMYK -> RGB step is ours (libjpeg has none).
        out = JCS_CMYK;
        d->cmyk = 1;
        d->inverted = d->cinfo.saw_Adobe_marker ? 1 : 0;
        break;
    default:
        snprintf(d->err.message, sizeof d->err.message,
                 "unsupported JPEG colour space with %d components", d->cinfo.num_components);
        d->failed = 1;
        return IC_ERR_UNSUPPORTED;
    }
    if (setjmp(d->err.jump)) {
        d->failed = 1;
        return d->err.status;
    }
    d->cinfo.out_color_space = out;
    d->cinfo.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&d->cinfo);
    d->started = 1;
    if (d->cmyk) {
        d->cmyk_row = malloc((size_t)d->cinfo.output_width * 4);
        if (d->cmyk_row == NULL) {
            snprintf(d->err.message, sizeof d->err.message, "out of memory for a CMYK row");
            d->failed = 1;
            return IC_ERR_NOMEM;
        }
    }
    return IC_OK;
}

// Adobe (Photoshop) writes CMYK inverted, so a stored 255 means no ink; without the APP14
// marker the samples are taken as plain ink amounts. Either way RGB = (1-C)(1-K) scaled and
// rounded to nearest, like TurboJPEG's CMYK->RGB.
static void ic_cmyk_to_rgb(const uint8_t *cmyk, uint8_t *rgb, uint32_t width, int inverted) {
    for (uint32_t x = 0; x < width; x++) {
        unsigned c = cmyk[0], m = cmyk[1], y = cmyk[2], k = cmyk[3];
        if (!inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        rgb[0] = (uint8_t)((c * k + 127) / 255);
        rgb[1] = (uint8_t)((m * k + 127) / 255);
        rgb[2] = (uint8_t)((y * k + 127) / 255);
        cmyk += 4;
        rgb += 3;
    }
}

int ic_jpeg_decoder_read_rows(ic_jpeg_decoder *d, uint8_t *rgb, size_t stride, uint32_t max_rows,
                              uint32_t *rows_read) {
    if (d == NULL || rgb == NULL || rows_read == NULL || !d->started || d->failed) {
        return IC_ERR_STATE;
    }
    *rows_read = 0;
    d->rows_done = 0;
    if (setjmp(d->err.jump)) {
        d->failed = 1;
        *rows_read = d->rows_done;
        return d->err.status;
    }
    while (d->rows_done < max_rows && d->cinfo.output_scanline < d->cinfo.output_height) {
        uint8_t *dst = rgb + (size_t)d->rows_done * stride;
        JSAMPROW row = d->cmyk ? d->cmyk_row : dst;
        JDIMENSION n = jpeg_read_scanlines(&d->cinfo, &row, 1);
        if (n != 1) {
            // Only a suspending data source returns 0 rows, and ours never suspend.
            snprintf(d->err.message, sizeof d->err.message, "JPEG decoder produced no row");
            d->failed = 1;
            *rows_read = d->rows_done;
            return IC_ERR_CORRUPT;
        }
        if (d->cmyk) {
            ic_cmyk_to_rgb(d->cmyk_row, dst, d->cinfo.output_width, d->inverted);
        }
        d->rows_done++;
    }
    *rows_read = d->rows_done;
    return IC_OK;
}

/* ---------------------------------------------------------------- fixture JPEG encoder */

struct ic_jpeg_encode_ctx {
    struct jpeg_compress_struct cinfo;
    struct ic_jpeg_error err;
    struct jpeg_destination_mgr dest;
    int created;
    uint8_t *buffer;
    size_t capacity;
    size_t size;
};

// Our own growing destination: libjpeg's jpeg_mem_dest leaves the caller's pointer dangling
// after it grows its buffer, which makes freeing it on an error path unsafe.
static void ic_dest_init(j_compress_ptr cinfo) {
    struct ic_jpeg_encode_ctx *ctx = (struct ic_jpeg_encode_ctx *)cinfo->client_data;
    ctx->capacity = 65536;
    ctx->buffer = malloc(ctx->capacity);
    if (ctx->buffer == NULL) {
        ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 100);
    }
    ctx->dest.next_output_byte = ctx->buffer;
    ctx->dest.free_in_buffer = ctx->capacity;
}

static boolean ic_dest_empty(j_compress_ptr cinfo) {
    struct ic_jpeg_encode_ctx *ctx = (struct ic_jpeg_encode_ctx *)cinfo->client_data;
    size_t used = ctx->capacity;
    uint8_t *grown = realloc(ctx->buffer, ctx->capacity * 2);
    if (grown == NULL) {
        ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 101);
    }
    ctx->buffer = grown;
    ctx->capacity *= 2;
    ctx->dest.next_output_byte = grown + used;
    ctx->dest.free_in_buffer = ctx->capacity - used;
    return TRUE;
}

static void ic_dest_term(j_compress_ptr cinfo) {
    struct ic_jpeg_encode_ctx *ctx = (struct ic_jpeg_encode_ctx *)cinfo->client_data;
    ctx->size = ctx->capacity - ctx->dest.free_in_buffer;
}

static void ic_jpeg_encode_cleanup(struct ic_jpeg_encode_ctx *ctx) {
    if (ctx->created) {
        jpeg_destroy_compress(&ctx->cinfo);
    }
    free(ctx->buffer);
    free(ctx);
}

int ic_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride,
                   int components, ic_jpeg_color stored_color, int quality, int progressive,
                   const uint8_t *app1, size_t app1_size,
                   uint8_t **out, size_t *out_size, char *message, size_t message_size) {
    if (pixels == NULL || out == NULL || out_size == NULL || width == 0 || height == 0 ||
        (components != 1 && components != 3 && components != 4) || app1_size > 65533) {
        if (message != NULL && message_size > 0) {
            snprintf(message, message_size, "invalid arguments");
        }
        return IC_ERR_STATE;
    }
    struct ic_jpeg_encode_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL) {
        return IC_ERR_NOMEM;
    }
    ctx->cinfo.err = ic_jpeg_error_init(&ctx->err);
    if (setjmp(ctx->err.jump)) {
        int status = ctx->err.status;
        if (message != NULL && message_size > 0) {
            snprintf(message, message_size, "%s", ctx->err.message);
        }
        ic_jpeg_encode_cleanup(ctx);
        return status;
    }
    ctx->created = 1;
    jpeg_create_compress(&ctx->cinfo);
    ctx->cinfo.client_data = ctx;
    ctx->dest.init_destination = ic_dest_init;
    ctx->dest.empty_output_buffer = ic_dest_empty;
    ctx->dest.term_destination = ic_dest_term;
    ctx->cinfo.dest = &ctx->dest;
    ctx->cinfo.image_width = width;
    ctx->cinfo.image_height = height;
    ctx->cinfo.input_components = components;
    ctx->cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(&ctx->cinfo);
    switch (stored_color) {
    case IC_JPEG_COLOR_GRAY: jpeg_set_colorspace(&ctx->cinfo, JCS_GRAYSCALE); break;
    case IC_JPEG_COLOR_RGB: jpeg_set_colorspace(&ctx->cinfo, JCS_RGB); break;
    case IC_JPEG_COLOR_YCBCR: jpeg_set_colorspace(&ctx->cinfo, JCS_YCbCr); break;
    case IC_JPEG_COLOR_CMYK: jpeg_set_colorspace(&ctx->cinfo, JCS_CMYK); break;
    case IC_JPEG_COLOR_YCCK: jpeg_set_colorspace(&ctx->cinfo, JCS_YCCK); break;
    default: break;
    }
    jpeg_set_quality(&ctx->cinfo, quality, TRUE);
    if (progressive) {
        jpeg_simple_progression(&ctx->cinfo);
    }
    jpeg_start_compress(&ctx->cinfo, TRUE);
    if (app1 != NULL && app1_size > 0) {
        jpeg_write_marker(&ctx->cinfo, JPEG_APP0 + 1, app1, (unsigned int)app1_size);
    }
    while (ctx->cinfo.next_scanline < height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)ctx->cinfo.next_scanline * stride);
        jpeg_write_scanlines(&ctx->cinfo, &row, 1);
    }
    jpeg_finish_compress(&ctx->cinfo);
    *out = ctx->buffer;
    *out_size = ctx->size;
    ctx->buffer = NULL; // ownership moves to the caller
    ic_jpeg_encode_cleanup(ctx);
    return IC_OK;
}

void ic_free(void *pointer) {
    free(pointer);
}
