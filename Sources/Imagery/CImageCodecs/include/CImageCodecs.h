/// Thin, thread-safe shims over libjpeg-turbo and libpng (decoding) and zlib (a parallel PNG writer)
/// for the Swift image pipeline.
///
/// Both libraries report fatal errors by longjmp, which Swift cannot survive, so every call that
/// can reach libjpeg/libpng sets its jump point here in C and turns a failure into a status code
/// plus a message. All state lives in the per-call or per-handle structs below: there is no
/// global mutable state, so different handles may be used on different threads at once.
///
/// Ownership rule: after any function returns a non-zero status the handle is "failed"; the only
/// valid call left is its destroy function, which releases everything (the library state, the
/// scratch buffers). FILE pointers passed in are borrowed, never closed here.
#ifndef CIMAGECODECS_H
#define CIMAGECODECS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Result of every shim call: 0 on success.
typedef enum ic_status {
    IC_OK = 0,
    /// The stream is malformed or truncated.
    IC_ERR_CORRUPT = 1,
    /// Valid stream, but a variant this shim does not decode (e.g. a 2-component JPEG).
    IC_ERR_UNSUPPORTED = 2,
    /// An allocation failed.
    IC_ERR_NOMEM = 3,
    /// The operating system failed a read or write; see the handle's errno.
    IC_ERR_IO = 4,
    /// The caller used the handle out of order or after a failure.
    IC_ERR_STATE = 5
} ic_status;

/// Where a decoder reads its bytes: a borrowed FILE, or (when file is NULL) a borrowed buffer.
typedef struct ic_source {
    FILE *file;
    const uint8_t *data;
    size_t size;
} ic_source;

/* ---------------------------------------------------------------- JPEG decoding */

/// Colour space of the JPEG stream itself (mirrors libjpeg's J_COLOR_SPACE values we accept).
typedef enum ic_jpeg_color {
    IC_JPEG_COLOR_UNKNOWN = 0,
    IC_JPEG_COLOR_GRAY = 1,
    IC_JPEG_COLOR_RGB = 2,
    IC_JPEG_COLOR_YCBCR = 3,
    IC_JPEG_COLOR_CMYK = 4,
    IC_JPEG_COLOR_YCCK = 5
} ic_jpeg_color;

/// What the frame header says, available before any pixel buffer is allocated.
typedef struct ic_jpeg_info {
    uint32_t width;
    uint32_t height;
    int components;
    ic_jpeg_color color;
    int progressive;
    /// Non-zero when an Adobe APP14 marker was seen: 4-component data is then stored inverted.
    int adobe;
} ic_jpeg_info;

typedef struct ic_jpeg_decoder ic_jpeg_decoder;

/// Allocates an idle decoder; NULL when out of memory.
ic_jpeg_decoder *ic_jpeg_decoder_create(void);
/// Releases the decoder and everything libjpeg allocated for it. Accepts NULL.
void ic_jpeg_decoder_destroy(ic_jpeg_decoder *decoder);
/// The message for the last failure (empty string when none).
const char *ic_jpeg_decoder_message(const ic_jpeg_decoder *decoder);
/// Reads markers up to the first scan and fills info; APP1 markers are kept for EXIF.
int ic_jpeg_decoder_read_header(ic_jpeg_decoder *decoder, const ic_source *source, ic_jpeg_info *info);
/// Finds the first APP1 "Exif\0\0" marker; on success points at its TIFF header. Returns 1 if found.
int ic_jpeg_decoder_exif(const ic_jpeg_decoder *decoder, const uint8_t **data, size_t *size);
/// Starts decompression with RGB output (CMYK/YCCK are converted to RGB here, row by row).
int ic_jpeg_decoder_start(ic_jpeg_decoder *decoder);
/// Decodes up to max_rows rows of width*3 RGB bytes, each `stride` bytes apart.
int ic_jpeg_decoder_read_rows(ic_jpeg_decoder *decoder, uint8_t *rgb, size_t stride,
                              uint32_t max_rows, uint32_t *rows_read);

/* ---------------------------------------------------------------- PNG decoding */

/// What IHDR says, before any pixel buffer is allocated.
typedef struct ic_png_info {
    uint32_t width;
    uint32_t height;
    int bit_depth;
    int color_type;
    int interlaced;
    /// Non-zero when the output will carry alpha (alpha channel or a tRNS chunk).
    int has_alpha;
} ic_png_info;

typedef struct ic_png_decoder ic_png_decoder;

/// Allocates an idle decoder reading from source (borrowed); NULL when out of memory.
ic_png_decoder *ic_png_decoder_create(const ic_source *source);
/// Releases the decoder, libpng's state and any interlace buffer. Accepts NULL.
void ic_png_decoder_destroy(ic_png_decoder *decoder);
const char *ic_png_decoder_message(const ic_png_decoder *decoder);
/// errno captured when a call failed with IC_ERR_IO.
int ic_png_decoder_errno(const ic_png_decoder *decoder);
/// Reads the signature and every chunk up to the first IDAT.
int ic_png_decoder_read_header(ic_png_decoder *decoder, ic_png_info *info);
/// Sets up normalisation to 8-bit RGB or RGBA and reports the channel count (3 or 4).
/// Interlaced images are decoded completely here (Adam7 rows are not available in order).
int ic_png_decoder_start(ic_png_decoder *decoder, int *channels);
/// Produces up to max_rows normalised rows; after the last row the trailing chunks are verified.
int ic_png_decoder_read_rows(ic_png_decoder *decoder, uint8_t *pixels, size_t stride,
                             uint32_t max_rows, uint32_t *rows_read);

/* ---------------------------------------------------------------- PNG encoding */

/// PNG row filters (the same bits as libpng's PNG_FILTER_*).
enum {
    IC_PNG_FILTER_NONE = 0x08,
    IC_PNG_FILTER_SUB = 0x10,
    IC_PNG_FILTER_UP = 0x20,
    IC_PNG_FILTER_AVG = 0x40,
    IC_PNG_FILTER_PAETH = 0x80
};

/* ---------------------------------------------------------------- parallel PNG encoding */

/// Cores shared by every image pipeline of a process. A pipeline counts as one job on the thread
/// that runs it; it may borrow more cores for helper threads, one chunk at a time, only while
/// jobs + leases stay below the core count. A process running as many jobs as cores so never adds
/// threads, and one running a single job uses the idle cores for it. Thread-safe (atomics).
typedef struct ic_cpu_budget ic_cpu_budget;

ic_cpu_budget *ic_cpu_budget_create(int cores);
void ic_cpu_budget_destroy(ic_cpu_budget *budget);
void ic_cpu_budget_job_begin(ic_cpu_budget *budget);
void ic_cpu_budget_job_end(ic_cpu_budget *budget);
/// 1 and a lease taken when a core is idle, else 0. A NULL budget always grants one.
int ic_cpu_budget_try_lease(ic_cpu_budget *budget);
void ic_cpu_budget_return_lease(ic_cpu_budget *budget);
/// Current jobs and leases (for tests and logs).
void ic_cpu_budget_usage(const ic_cpu_budget *budget, int *jobs, int *helpers);

/// Settings of the chunked encoder.
typedef struct ic_png_pz_options {
    /// Helper threads it may start (0: everything on the calling thread).
    int helpers;
    /// zlib level 0...9 for every chunk, or -1 to choose per chunk from the data.
    int level;
    /// zlib strategy (0 default, 1 filtered, 2 Huffman only, 3 RLE) when level >= 0.
    int strategy;
    /// When level >= 0: OR of IC_PNG_FILTER_*; with more than one, each row takes the one with the
    /// smallest sum of absolute filtered values (libpng's heuristic).
    int filters;
    /// With level -1: the level for chunks below huffman_entropy (Paeth-filtered).
    int smooth_level;
    /// With level -1: order-0 entropy (bits/byte) of a chunk's Sub residuals from which it is
    /// Sub-filtered and Huffman-coded only (0 means the default, 6.0).
    double huffman_entropy;
} ic_png_pz_options;

/// What the encoder did, for tests and benchmarks.
typedef struct ic_png_pz_stats {
    int64_t chunks;
    /// Helper threads started (one only when a core was free as a chunk was handed out).
    int64_t helper_threads;
    int64_t helper_chunks;
    int64_t huffman_chunks;
    int64_t rle_chunks;
    int64_t level_sum;
} ic_png_pz_stats;

typedef struct ic_png_pz_encoder ic_png_pz_encoder;

/// An encoder writing to file (borrowed), or to a growing memory buffer when NULL. budget
/// (borrowed, may be NULL: helpers limited only by options->helpers) must outlive it.
ic_png_pz_encoder *ic_png_pz_encoder_create(FILE *file, const ic_png_pz_options *options, ic_cpu_budget *budget);
/// Stops its helper threads and frees everything. Accepts NULL.
void ic_png_pz_encoder_destroy(ic_png_pz_encoder *encoder);
const char *ic_png_pz_encoder_message(const ic_png_pz_encoder *encoder);
int ic_png_pz_encoder_errno(const ic_png_pz_encoder *encoder);
/// Writes the signature and IHDR of an 8-bit RGB (channels 3) or RGBA (channels 4) image.
int ic_png_pz_encoder_begin(ic_png_pz_encoder *encoder, uint32_t width, uint32_t height, int channels);
/// Takes count rows of width*channels bytes, each `stride` bytes apart (copied; the caller may reuse them).
int ic_png_pz_encoder_write_rows(ic_png_pz_encoder *encoder, const uint8_t *pixels, size_t stride, uint32_t count);
/// Waits for the last chunks, writes them and IEND, flushes the FILE (if any).
int ic_png_pz_encoder_finish(ic_png_pz_encoder *encoder);
uint64_t ic_png_pz_encoder_bytes_written(const ic_png_pz_encoder *encoder);
const uint8_t *ic_png_pz_encoder_memory(const ic_png_pz_encoder *encoder, size_t *size);
void ic_png_pz_encoder_stats(const ic_png_pz_encoder *encoder, ic_png_pz_stats *stats);

/* ---------------------------------------------------------------- fixture encoders
 * Used by tests and benchmarks to make inputs of every kind without fixture files. */

/// Encodes a JPEG into a malloc'd buffer (release with ic_free).
/// components: 1 (gray), 3 (RGB) or 4 (CMYK samples, stored as given).
/// stored_color: the JPEG colour space to write (IC_JPEG_COLOR_*; UNKNOWN picks libjpeg's default).
/// app1/app1_size: optional raw APP1 payload (e.g. "Exif\0\0" + TIFF), written after the header.
int ic_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride,
                   int components, ic_jpeg_color stored_color, int quality, int progressive,
                   const uint8_t *app1, size_t app1_size,
                   uint8_t **out, size_t *out_size, char *message, size_t message_size);

/// Encodes a PNG of any colour type/bit depth from rows already packed in PNG byte order
/// (sub-byte samples packed MSB first, 16-bit samples big-endian). palette is RGB triples;
/// trns holds palette alphas (palette images) or, when trns_color is non-NULL, the gray value
/// (1 entry) or RGB value (3 entries) that is transparent.
int ic_png_encode_raw(uint32_t width, uint32_t height, int color_type, int bit_depth, int interlaced,
                      const uint8_t *rows, size_t stride,
                      const uint8_t *palette, int palette_count,
                      const uint8_t *trns, int trns_count, const uint16_t *trns_color,
                      uint8_t **out, size_t *out_size, char *message, size_t message_size);

/// Frees a buffer returned by the fixture encoders.
void ic_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif
