// A streaming PNG writer of its own (signature, IHDR, IDAT, IEND) whose zlib stream is compressed
// in independent chunks, pigz-style, so that idle cores can compress chunks at the same time:
//
// - Rows are gathered into chunks of about IC_PZ_CHUNK_BYTES of filtered data. Each chunk is filtered
//   and deflated as a raw deflate stream (no zlib header) by whichever thread takes it: a helper
//   thread when a core is free (a lease from the shared ic_cpu_budget), else the calling thread.
// - Every chunk but the last ends with Z_SYNC_FLUSH (byte aligned, no final bit), the last with
//   Z_FINISH, so their concatenation is one valid deflate stream. The zlib header goes in front, and
//   the Adler-32 of the whole filtered stream, combined from the chunks' own with adler32_combine,
//   after it.
// - A chunk is primed with the last 32 KiB of the filtered stream before it (deflateSetDictionary),
//   so matches across the boundary are still found. The filtered bytes of those rows are recomputed
//   by the chunk's own thread from the raw rows (the row filter is a pure function of a row and the
//   row above it), so chunks never wait for each other.
// - Filter, level and strategy are chosen per chunk, before it is handed out, from a sample of its
//   rows (see ic_pz_choose): noisy data, where LZ77 finds next to nothing, is Sub-filtered and
//   Huffman-coded at several times the speed; smoother data is Paeth-filtered and LZ77-matched at a
//   low level. The next chunk is told the filters used, to recompute its dictionary.
// - Compressed chunks are written in order as IDAT chunks as soon as they and all before them are
//   done. At most 2 x helpers + 2 chunks exist at once, so memory stays bounded whatever the image size.
#include "CImageCodecs.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include <zlib.h>

#define IC_PZ_CHUNK_BYTES (512u * 1024u)
#define IC_PZ_WINDOW 32768u
#define IC_PZ_MAX_HELPERS 64

/* ---------------------------------------------------------------- CPU budget */

struct ic_cpu_budget {
    int cores;
    /// Pipelines running (each uses the thread that called it).
    atomic_int jobs;
    /// Helper threads holding a lease for the chunk they compress.
    atomic_int helpers;
};

ic_cpu_budget *ic_cpu_budget_create(int cores) {
    ic_cpu_budget *b = calloc(1, sizeof *b);
    if (b == NULL) {
        return NULL;
    }
    b->cores = cores < 1 ? 1 : cores;
    atomic_init(&b->jobs, 0);
    atomic_init(&b->helpers, 0);
    return b;
}

void ic_cpu_budget_destroy(ic_cpu_budget *b) {
    free(b);
}

void ic_cpu_budget_job_begin(ic_cpu_budget *b) {
    if (b != NULL) {
        atomic_fetch_add(&b->jobs, 1);
    }
}

void ic_cpu_budget_job_end(ic_cpu_budget *b) {
    if (b != NULL) {
        atomic_fetch_sub(&b->jobs, 1);
    }
}

int ic_cpu_budget_try_lease(ic_cpu_budget *b) {
    if (b == NULL) {
        return 1;
    }
    int held = atomic_load(&b->helpers);
    for (;;) {
        if (atomic_load(&b->jobs) + held >= b->cores) {
            return 0;
        }
        if (atomic_compare_exchange_weak(&b->helpers, &held, held + 1)) {
            return 1;
        }
    }
}

void ic_cpu_budget_return_lease(ic_cpu_budget *b) {
    if (b != NULL) {
        atomic_fetch_sub(&b->helpers, 1);
    }
}

void ic_cpu_budget_usage(const ic_cpu_budget *b, int *jobs, int *helpers) {
    if (b == NULL) {
        return;
    }
    if (jobs != NULL) {
        *jobs = atomic_load(&((ic_cpu_budget *)b)->jobs);
    }
    if (helpers != NULL) {
        *helpers = atomic_load(&((ic_cpu_budget *)b)->helpers);
    }
}

/* ---------------------------------------------------------------- row filters */

static inline uint8_t ic_pz_paeth(int a, int b, int c) {
    int p = b - c;
    int q = a - c;
    int pa = p < 0 ? -p : p;
    int pb = q < 0 ? -q : q;
    int pc = p + q < 0 ? -(p + q) : p + q;
    return (uint8_t)((pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c));
}

/// Filters `row` (n bytes, bpp per pixel) against `prev` (NULL for the first image row) with `type`.
static void ic_pz_filter(int type, const uint8_t *row, const uint8_t *prev, size_t n, int bpp, uint8_t *out) {
    size_t i;
    switch (type) {
    case 0:
        memcpy(out, row, n);
        break;
    case 1:
        for (i = 0; i < (size_t)bpp && i < n; i++) out[i] = row[i];
        for (; i < n; i++) out[i] = (uint8_t)(row[i] - row[i - bpp]);
        break;
    case 2:
        if (prev == NULL) {
            memcpy(out, row, n);
        } else {
            for (i = 0; i < n; i++) out[i] = (uint8_t)(row[i] - prev[i]);
        }
        break;
    case 3:
        if (prev == NULL) {
            for (i = 0; i < (size_t)bpp && i < n; i++) out[i] = row[i];
            for (; i < n; i++) out[i] = (uint8_t)(row[i] - (row[i - bpp] >> 1));
        } else {
            for (i = 0; i < (size_t)bpp && i < n; i++) out[i] = (uint8_t)(row[i] - (prev[i] >> 1));
            for (; i < n; i++) out[i] = (uint8_t)(row[i] - ((row[i - bpp] + prev[i]) >> 1));
        }
        break;
    default:
        if (prev == NULL) {
            // With no row above, Paeth predicts from the left: the same bytes as Sub.
            for (i = 0; i < (size_t)bpp && i < n; i++) out[i] = row[i];
            for (; i < n; i++) out[i] = (uint8_t)(row[i] - row[i - bpp]);
        } else {
            for (i = 0; i < (size_t)bpp && i < n; i++) out[i] = (uint8_t)(row[i] - prev[i]);
            for (; i < n; i++) out[i] = (uint8_t)(row[i] - ic_pz_paeth(row[i - bpp], prev[i], prev[i - bpp]));
        }
        break;
    }
}

/// libpng's heuristic: the sum of the filtered bytes read as signed magnitudes.
static uint64_t ic_pz_cost(const uint8_t *f, size_t n) {
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        int v = (int8_t)f[i];
        sum += (uint64_t)(v < 0 ? -v : v);
    }
    return sum;
}

/// Writes the filter byte and the filtered row to out (n + 1 bytes). `allowed` is a mask of
/// IC_PNG_FILTER_* bits; with more than one the cheapest by ic_pz_cost wins (lowest type on ties),
/// which depends on nothing but the two rows: a row filters the same on any thread.
static void ic_pz_filter_row(int allowed, const uint8_t *row, const uint8_t *prev, size_t n, int bpp,
                             uint8_t *out, uint8_t *scratch) {
    static const int bits[5] = {IC_PNG_FILTER_NONE, IC_PNG_FILTER_SUB, IC_PNG_FILTER_UP, IC_PNG_FILTER_AVG,
                                IC_PNG_FILTER_PAETH};
    int only = -1;
    int count = 0;
    for (int t = 0; t < 5; t++) {
        if (allowed & bits[t]) {
            only = t;
            count++;
        }
    }
    if (count <= 1) {
        int type = only < 0 ? 0 : only;
        out[0] = (uint8_t)type;
        ic_pz_filter(type, row, prev, n, bpp, out + 1);
        return;
    }
    uint64_t best = UINT64_MAX;
    for (int t = 0; t < 5; t++) {
        if (!(allowed & bits[t])) {
            continue;
        }
        ic_pz_filter(t, row, prev, n, bpp, scratch);
        uint64_t cost = ic_pz_cost(scratch, n);
        if (cost < best) {
            best = cost;
            out[0] = (uint8_t)t;
            memcpy(out + 1, scratch, n);
        }
    }
}

/* ---------------------------------------------------------------- output sink */

struct ic_pz_sink {
    FILE *file;
    uint8_t *buffer;
    size_t capacity;
    uint64_t size;
};

static int ic_pz_sink_write(struct ic_pz_sink *sink, const uint8_t *data, size_t length, int *err) {
    if (length == 0) {
        return IC_OK;
    }
    if (sink->file != NULL) {
        if (fwrite(data, 1, length, sink->file) != length) {
            *err = errno;
            return IC_ERR_IO;
        }
    } else {
        if (sink->capacity - (size_t)sink->size < length) {
            size_t wanted = sink->capacity == 0 ? 65536 : sink->capacity;
            while (wanted - (size_t)sink->size < length) {
                if (wanted > SIZE_MAX / 2) {
                    return IC_ERR_NOMEM;
                }
                wanted *= 2;
            }
            uint8_t *grown = realloc(sink->buffer, wanted);
            if (grown == NULL) {
                return IC_ERR_NOMEM;
            }
            sink->buffer = grown;
            sink->capacity = wanted;
        }
        memcpy(sink->buffer + sink->size, data, length);
    }
    sink->size += length;
    return IC_OK;
}

static void ic_pz_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/// Writes one PNG chunk whose data is the concatenation of up to three pieces.
static int ic_pz_write_chunk(struct ic_pz_sink *sink, const char type[4], const uint8_t *a, size_t na,
                             const uint8_t *b, size_t nb, const uint8_t *c, size_t nc, int *err) {
    size_t total = na + nb + nc;
    if (total > 0x7fffffffu) {
        return IC_ERR_STATE;
    }
    uint8_t head[8];
    ic_pz_be32(head, (uint32_t)total);
    memcpy(head + 4, type, 4);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, head + 4, 4);
    if (na) crc = crc32_z(crc, a, na);
    if (nb) crc = crc32_z(crc, b, nb);
    if (nc) crc = crc32_z(crc, c, nc);
    uint8_t tail[4];
    ic_pz_be32(tail, (uint32_t)crc);
    int status;
    if ((status = ic_pz_sink_write(sink, head, 8, err)) != IC_OK) return status;
    if ((status = ic_pz_sink_write(sink, a, na, err)) != IC_OK) return status;
    if ((status = ic_pz_sink_write(sink, b, nb, err)) != IC_OK) return status;
    if ((status = ic_pz_sink_write(sink, c, nc, err)) != IC_OK) return status;
    return ic_pz_sink_write(sink, tail, 4, err);
}

/* ---------------------------------------------------------------- chunks and threads */

enum { IC_PZ_FREE = 0, IC_PZ_FILLING, IC_PZ_QUEUED, IC_PZ_RUNNING, IC_PZ_DONE };

struct ic_pz_chunk {
    int state;
    uint64_t sequence;
    /// Raw rows of this chunk.
    uint8_t *raw;
    uint32_t rows;
    /// Raw rows just before this chunk (the last is the row above its first row).
    uint8_t *context;
    uint32_t context_rows;
    /// Whether context[0] is image row 0, which has no row above.
    int context_from_top;
    int last;
    /// Compressed output of this chunk (raw deflate).
    uint8_t *out;
    size_t out_capacity;
    size_t out_length;
    /// Adler-32 and length of the filtered bytes.
    uLong adler;
    uint64_t filtered_length;
    int status;
    /// Filter mask, zlib level and strategy for this chunk, and the filter mask of the chunk before.
    int filters;
    int level;
    int strategy;
    int context_filters;
    /// Whether a helper lease is held for it (returned when done).
    int leased;
};

/// Per-thread scratch: a deflate stream and filter buffers.
struct ic_pz_worker {
    z_stream z;
    int z_ready;
    int z_level;
    int z_strategy;
    uint8_t *filtered;
    size_t filtered_capacity;
    uint8_t *scratch;
};

struct ic_png_pz_encoder {
    char message[256];
    int io_errno;
    int failed;
    int begun;
    int finished;
    struct ic_pz_sink sink;
    ic_png_pz_options options;
    ic_cpu_budget *budget;

    uint32_t width;
    uint32_t height;
    int channels;
    size_t rowbytes;
    uint32_t chunk_rows;
    uint32_t context_max;
    uint32_t rows_in;

    int slot_count;
    struct ic_pz_chunk *slots;
    /// Sequence of the chunk being filled, and of the next chunk to write.
    uint64_t fill_sequence;
    uint64_t write_sequence;
    uLong adler;
    int wrote_header;
    /// Filters of the last chunk handed out.
    int last_filters;
    struct ic_pz_worker main_worker;

    pthread_mutex_t lock;
    pthread_cond_t work_ready;
    pthread_cond_t work_done;
    int sync_ready;
    int shutdown;
    int helpers_started;
    pthread_t helpers[IC_PZ_MAX_HELPERS];

    /// Statistics for tests and benchmarks.
    ic_png_pz_stats stats;
};

static void ic_pz_worker_free(struct ic_pz_worker *w) {
    if (w->z_ready) {
        deflateEnd(&w->z);
        w->z_ready = 0;
    }
    free(w->filtered);
    free(w->scratch);
    w->filtered = NULL;
    w->scratch = NULL;
}

/// Picks the filters, zlib level and strategy of a chunk from a sample of its raw rows: the order-0
/// entropy of their Sub residuals (bits per byte).
///
/// Measured on 12 MP photos (bench/make_images.py) the kinds separate clearly: a smooth scene has
/// residuals of about 4.4 bits, fine texture 5.5, sensor noise of sigma 18 6.6. On noise LZ77 finds
/// next to nothing: Sub plus Huffman-only coding costs 0.3 CPU-s and comes within 1% of Pillow's
/// level-6 size, where level 1 with adaptive filters costs 0.8 s. Below the threshold matches pay:
/// Paeth at level 1 is 5-8% over level 6 with adaptive filters at a seventh of its time.
static void ic_pz_choose(const ic_png_pz_encoder *e, const struct ic_pz_chunk *c, int *filters, int *level,
                         int *strategy) {
    if (e->options.level >= 0) {
        *filters = e->options.filters;
        *level = e->options.level;
        *strategy = e->options.strategy < 0 ? Z_DEFAULT_STRATEGY : e->options.strategy;
        return;
    }
    size_t n = e->rowbytes;
    int bpp = e->channels;
    uint32_t histogram[256] = {0};
    uint64_t sampled = 0;
    // About 64 KiB of every chunk: every step-th row, from the first.
    uint32_t step = (uint32_t)(c->rows * n / 65536) + 1;
    for (uint32_t r = 0; r < c->rows; r += step) {
        const uint8_t *row = c->raw + (size_t)r * n;
        for (size_t i = (size_t)bpp; i < n; i++) {
            histogram[(uint8_t)(row[i] - row[i - bpp])]++;
        }
        sampled += n > (size_t)bpp ? n - (size_t)bpp : 0;
    }
    double entropy = 0;
    for (int v = 0; v < 256 && sampled > 0; v++) {
        if (histogram[v] != 0) {
            double p = (double)histogram[v] / (double)sampled;
            entropy -= p * log2(p);
        }
    }
    if (sampled > 0 && entropy >= e->options.huffman_entropy) {
        *filters = IC_PNG_FILTER_SUB;
        *level = 1;
        *strategy = Z_HUFFMAN_ONLY;
    } else {
        *filters = IC_PNG_FILTER_PAETH;
        *level = e->options.smooth_level;
        *strategy = Z_DEFAULT_STRATEGY;
    }
}

/// Filters and deflates one chunk on the calling thread. Touches only the chunk and the worker.
static void ic_pz_compress(const ic_png_pz_encoder *e, struct ic_pz_chunk *c, struct ic_pz_worker *w) {
    size_t n = e->rowbytes;
    size_t line = n + 1;
    int bpp = e->channels;
    c->status = IC_OK;
    // Filtered dictionary rows (the context, minus a first row that has no row above) then this chunk's rows.
    uint32_t first_dict = (c->context_rows > 0 && !c->context_from_top) ? 1 : 0;
    uint32_t dict_rows = c->context_rows - first_dict;
    size_t needed = ((size_t)dict_rows + c->rows) * line;
    if (w->filtered_capacity < needed) {
        uint8_t *grown = realloc(w->filtered, needed);
        if (grown == NULL) {
            c->status = IC_ERR_NOMEM;
            return;
        }
        w->filtered = grown;
        w->filtered_capacity = needed;
    }
    if (w->scratch == NULL && (w->scratch = malloc(n)) == NULL) {
        c->status = IC_ERR_NOMEM;
        return;
    }
    uint8_t *dst = w->filtered;
    for (uint32_t r = first_dict; r < c->context_rows; r++) {
        const uint8_t *row = c->context + (size_t)r * n;
        const uint8_t *prev = r == 0 ? NULL : row - n;
        ic_pz_filter_row(c->context_filters, row, prev, n, bpp, dst, w->scratch);
        dst += line;
    }
    uint8_t *own = dst;
    for (uint32_t r = 0; r < c->rows; r++) {
        const uint8_t *row = c->raw + (size_t)r * n;
        const uint8_t *prev = r > 0 ? row - n : (c->context_rows > 0 ? c->context + (size_t)(c->context_rows - 1) * n : NULL);
        ic_pz_filter_row(c->filters, row, prev, n, bpp, dst, w->scratch);
        dst += line;
    }
    size_t own_length = (size_t)c->rows * line;
    c->filtered_length = own_length;
    c->adler = adler32_z(adler32(0L, Z_NULL, 0), own, own_length);

    int level = c->level;
    int strategy = c->strategy;
    if (!w->z_ready) {
        memset(&w->z, 0, sizeof w->z);
        int rc = deflateInit2(&w->z, level, Z_DEFLATED, -15, 9, strategy);
        if (rc != Z_OK) {
            c->status = rc == Z_MEM_ERROR ? IC_ERR_NOMEM : IC_ERR_STATE;
            return;
        }
        w->z_ready = 1;
        w->z_level = level;
        w->z_strategy = strategy;
    } else {
        deflateReset(&w->z);
        if (level != w->z_level || strategy != w->z_strategy) {
            if (deflateParams(&w->z, level, strategy) != Z_OK) {
                c->status = IC_ERR_STATE;
                return;
            }
            w->z_level = level;
            w->z_strategy = strategy;
        }
    }
    if (dict_rows > 0) {
        size_t dict_length = (size_t)dict_rows * line;
        size_t take = dict_length < IC_PZ_WINDOW ? dict_length : IC_PZ_WINDOW;
        if (deflateSetDictionary(&w->z, own - take, (uInt)take) != Z_OK) {
            c->status = IC_ERR_STATE;
            return;
        }
    }
    size_t bound = deflateBound(&w->z, (uLong)own_length) + 16;
    if (c->out_capacity < bound) {
        uint8_t *grown = realloc(c->out, bound);
        if (grown == NULL) {
            c->status = IC_ERR_NOMEM;
            return;
        }
        c->out = grown;
        c->out_capacity = bound;
    }
    w->z.next_in = own;
    w->z.avail_in = 0;
    w->z.next_out = c->out;
    w->z.avail_out = (uInt)(c->out_capacity > 0xffffffffu ? 0xffffffffu : c->out_capacity);
    size_t left = own_length;
    int flush = c->last ? Z_FINISH : Z_SYNC_FLUSH;
    for (;;) {
        uInt step = left > 0x40000000u ? 0x40000000u : (uInt)left;
        w->z.avail_in = step;
        left -= step;
        int rc = deflate(&w->z, left > 0 ? Z_NO_FLUSH : flush);
        if (rc == Z_STREAM_ERROR || (rc == Z_BUF_ERROR && w->z.avail_out == 0)) {
            c->status = IC_ERR_STATE;
            return;
        }
        if (left == 0 && (rc == Z_STREAM_END || (flush == Z_SYNC_FLUSH && w->z.avail_in == 0 && w->z.avail_out > 0))) {
            break;
        }
    }
    c->out_length = (size_t)(w->z.next_out - c->out);
}

/// The queued chunk with the lowest sequence, or NULL. Called with the lock held.
static struct ic_pz_chunk *ic_pz_oldest_queued(ic_png_pz_encoder *e) {
    struct ic_pz_chunk *oldest = NULL;
    for (int i = 0; i < e->slot_count; i++) {
        struct ic_pz_chunk *c = &e->slots[i];
        if (c->state == IC_PZ_QUEUED && (oldest == NULL || c->sequence < oldest->sequence)) {
            oldest = c;
        }
    }
    return oldest;
}

static int ic_pz_queued_count(const ic_png_pz_encoder *e) {
    int count = 0;
    for (int i = 0; i < e->slot_count; i++) {
        count += e->slots[i].state == IC_PZ_QUEUED;
    }
    return count;
}

/// Compresses a queued chunk on the pipeline's own thread. Called with the lock held; unlocks meanwhile.
static void ic_pz_run_here(ic_png_pz_encoder *e, struct ic_pz_chunk *c) {
    c->state = IC_PZ_RUNNING;
    pthread_mutex_unlock(&e->lock);
    ic_pz_compress(e, c, &e->main_worker);
    pthread_mutex_lock(&e->lock);
    c->state = IC_PZ_DONE;
}

static void *ic_pz_helper_main(void *arg) {
    ic_png_pz_encoder *e = arg;
    struct ic_pz_worker worker;
    memset(&worker, 0, sizeof worker);
    pthread_mutex_lock(&e->lock);
    for (;;) {
        struct ic_pz_chunk *job = NULL;
        while (!e->shutdown) {
            // The oldest queued chunk, if a core is free for it; else sleep until the next chunk is
            // queued and try again (the pipeline's own thread takes queued chunks it is waiting for).
            struct ic_pz_chunk *oldest = ic_pz_oldest_queued(e);
            if (oldest != NULL && ic_cpu_budget_try_lease(e->budget)) {
                job = oldest;
                break;
            }
            pthread_cond_wait(&e->work_ready, &e->lock);
        }
        if (job == NULL) {
            break;
        }
        job->state = IC_PZ_RUNNING;
        job->leased = 1;
        e->stats.helper_chunks++;
        pthread_mutex_unlock(&e->lock);
        ic_pz_compress(e, job, &worker);
        if (job->leased) {
            ic_cpu_budget_return_lease(e->budget);
            job->leased = 0;
        }
        pthread_mutex_lock(&e->lock);
        job->state = IC_PZ_DONE;
        pthread_cond_broadcast(&e->work_done);
    }
    pthread_mutex_unlock(&e->lock);
    ic_pz_worker_free(&worker);
    return NULL;
}

/* ---------------------------------------------------------------- encoder */

ic_png_pz_encoder *ic_png_pz_encoder_create(FILE *file, const ic_png_pz_options *options, ic_cpu_budget *budget) {
    if (options == NULL) {
        return NULL;
    }
    ic_png_pz_encoder *e = calloc(1, sizeof *e);
    if (e == NULL) {
        return NULL;
    }
    e->sink.file = file;
    e->options = *options;
    if (e->options.helpers < 0) e->options.helpers = 0;
    if (e->options.helpers > IC_PZ_MAX_HELPERS) e->options.helpers = IC_PZ_MAX_HELPERS;
    if (e->options.filters == 0) e->options.filters = IC_PNG_FILTER_NONE;
    if (!(e->options.huffman_entropy > 0)) e->options.huffman_entropy = 6.0;
    if (e->options.level > 9) e->options.level = 9;
    if (e->options.smooth_level < 1 || e->options.smooth_level > 9) e->options.smooth_level = 1;
    e->budget = budget;
    if (pthread_mutex_init(&e->lock, NULL) != 0) {
        free(e);
        return NULL;
    }
    if (pthread_cond_init(&e->work_ready, NULL) != 0) {
        pthread_mutex_destroy(&e->lock);
        free(e);
        return NULL;
    }
    if (pthread_cond_init(&e->work_done, NULL) != 0) {
        pthread_cond_destroy(&e->work_ready);
        pthread_mutex_destroy(&e->lock);
        free(e);
        return NULL;
    }
    e->sync_ready = 1;
    return e;
}

static void ic_pz_stop_helpers(ic_png_pz_encoder *e) {
    pthread_mutex_lock(&e->lock);
    e->shutdown = 1;
    pthread_cond_broadcast(&e->work_ready);
    pthread_mutex_unlock(&e->lock);
    for (int i = 0; i < e->helpers_started; i++) {
        pthread_join(e->helpers[i], NULL);
    }
    e->helpers_started = 0;
}

void ic_png_pz_encoder_destroy(ic_png_pz_encoder *e) {
    if (e == NULL) {
        return;
    }
    ic_pz_stop_helpers(e);
    // Helpers return their leases when they finish a chunk; queued chunks never started hold one too.
    for (int i = 0; i < e->slot_count; i++) {
        struct ic_pz_chunk *c = &e->slots[i];
        if (c->leased) {
            ic_cpu_budget_return_lease(e->budget);
        }
        free(c->raw);
        free(c->context);
        free(c->out);
    }
    free(e->slots);
    ic_pz_worker_free(&e->main_worker);
    pthread_cond_destroy(&e->work_done);
    pthread_cond_destroy(&e->work_ready);
    pthread_mutex_destroy(&e->lock);
    free(e->sink.buffer);
    free(e);
}

static int ic_pz_fail(ic_png_pz_encoder *e, int status, const char *text) {
    e->failed = 1;
    snprintf(e->message, sizeof e->message, "%s", text);
    return status;
}

static int ic_pz_fail_status(ic_png_pz_encoder *e, int status) {
    switch (status) {
    case IC_ERR_IO:
        return ic_pz_fail(e, status, "write error");
    case IC_ERR_NOMEM:
        return ic_pz_fail(e, status, "out of memory while compressing the PNG");
    default:
        return ic_pz_fail(e, status, "zlib refused the PNG data (internal error)");
    }
}

const char *ic_png_pz_encoder_message(const ic_png_pz_encoder *e) {
    return e == NULL ? "" : e->message;
}

int ic_png_pz_encoder_errno(const ic_png_pz_encoder *e) {
    return e == NULL ? 0 : e->io_errno;
}

int ic_png_pz_encoder_begin(ic_png_pz_encoder *e, uint32_t width, uint32_t height, int channels) {
    if (e == NULL || e->begun || e->failed || (channels != 3 && channels != 4) || width == 0 || height == 0 ||
        width > 0x7fffffffu || height > 0x7fffffffu) {
        return IC_ERR_STATE;
    }
    if ((size_t)width > SIZE_MAX / 8 / (size_t)channels) {
        return ic_pz_fail(e, IC_ERR_UNSUPPORTED, "PNG row too wide");
    }
    e->width = width;
    e->height = height;
    e->channels = channels;
    e->rowbytes = (size_t)width * (size_t)channels;
    size_t line = e->rowbytes + 1;
    size_t rows = IC_PZ_CHUNK_BYTES / line;
    e->chunk_rows = rows < 1 ? 1 : (rows > height ? height : (uint32_t)rows);
    // Enough rows above a chunk for a 32 KiB dictionary, plus the row above the first of them.
    size_t context = (IC_PZ_WINDOW + line - 1) / line + 1;
    // Never more than a chunk: the rows are copied from the one chunk before.
    if (context > e->chunk_rows) context = e->chunk_rows;
    e->context_max = (uint32_t)context;
    // Per helper: one chunk running and one queued; plus the one being filled and one running here.
    e->slot_count = 2 * e->options.helpers + 2;
    e->slots = calloc((size_t)e->slot_count, sizeof *e->slots);
    if (e->slots == NULL) {
        return ic_pz_fail(e, IC_ERR_NOMEM, "out of memory starting the PNG encoder");
    }
    e->adler = adler32(0L, Z_NULL, 0);

    uint8_t signature[8] = {137, 'P', 'N', 'G', '\r', '\n', 26, '\n'};
    uint8_t ihdr[13];
    ic_pz_be32(ihdr, width);
    ic_pz_be32(ihdr + 4, height);
    ihdr[8] = 8;
    ihdr[9] = channels == 4 ? 6 : 2;
    ihdr[10] = 0;
    ihdr[11] = 0;
    ihdr[12] = 0;
    int status = ic_pz_sink_write(&e->sink, signature, 8, &e->io_errno);
    if (status == IC_OK) {
        status = ic_pz_write_chunk(&e->sink, "IHDR", ihdr, 13, NULL, 0, NULL, 0, &e->io_errno);
    }
    if (status != IC_OK) {
        return ic_pz_fail_status(e, status);
    }
    e->begun = 1;
    return IC_OK;
}

/// Writes finished chunks in order; waits for unfinished ones while the next to write is before
/// `wait_until` (a sequence number). Called with the lock held; unlocks to write.
static int ic_pz_drain(ic_png_pz_encoder *e, uint64_t wait_until) {
    for (;;) {
        struct ic_pz_chunk *next = NULL;
        for (int i = 0; i < e->slot_count; i++) {
            struct ic_pz_chunk *c = &e->slots[i];
            if (c->state != IC_PZ_FREE && c->state != IC_PZ_FILLING && c->sequence == e->write_sequence) {
                next = c;
            }
        }
        if (next == NULL) {
            return IC_OK;
        }
        if (next->state != IC_PZ_DONE) {
            if (e->write_sequence >= wait_until) {
                return IC_OK;
            }
            if (next->state == IC_PZ_QUEUED) {
                // No helper took it (yet): do it here rather than wait.
                ic_pz_run_here(e, next);
            } else {
                pthread_cond_wait(&e->work_done, &e->lock);
            }
            continue;
        }
        pthread_mutex_unlock(&e->lock);
        int status = next->status;
        if (status == IC_OK) {
            // zlib header (CMF 0x78: deflate, 32 KiB window; FLG: level class, check bits) before
            // the first chunk, the combined Adler-32 after the last.
            uint8_t header[2] = {0x78, 0x5e};
            uint8_t trailer[4];
            e->adler = adler32_combine(e->adler, next->adler, (z_off_t)next->filtered_length);
            ic_pz_be32(trailer, (uint32_t)e->adler);
            status = ic_pz_write_chunk(&e->sink, "IDAT", header, e->wrote_header ? 0 : 2, next->out, next->out_length,
                                       trailer, next->last ? 4 : 0, &e->io_errno);
            e->wrote_header = 1;
            e->stats.chunks++;
            e->stats.level_sum += next->level;
            if (next->strategy == Z_HUFFMAN_ONLY) e->stats.huffman_chunks++;
            else if (next->strategy == Z_RLE) e->stats.rle_chunks++;
        }
        pthread_mutex_lock(&e->lock);
        next->state = IC_PZ_FREE;
        e->write_sequence++;
        if (status != IC_OK) {
            return status;
        }
    }
}

/// Queues the filled chunk for the helpers, or compresses it here when there are none. With
/// helpers, at most one chunk per helper waits in the queue: beyond that this thread takes the
/// oldest itself, so helpers always find work waiting and nothing piles up when they get no core.
/// Then writes what it can.
static int ic_pz_dispatch(ic_png_pz_encoder *e, struct ic_pz_chunk *c) {
    ic_pz_choose(e, c, &c->filters, &c->level, &c->strategy);
    e->last_filters = c->filters;
    pthread_mutex_lock(&e->lock);
    // A helper thread is started only when a core is free at that moment (a busy worker starts none).
    if (e->helpers_started < e->options.helpers && ic_cpu_budget_try_lease(e->budget)) {
        ic_cpu_budget_return_lease(e->budget);
        if (pthread_create(&e->helpers[e->helpers_started], NULL, ic_pz_helper_main, e) == 0) {
            e->helpers_started++;
            e->stats.helper_threads++;
        }
    }
    if (e->helpers_started > 0) {
        c->state = IC_PZ_QUEUED;
        pthread_cond_signal(&e->work_ready);
        while (ic_pz_queued_count(e) > e->helpers_started) {
            ic_pz_run_here(e, ic_pz_oldest_queued(e));
        }
    } else {
        ic_pz_run_here(e, c);
    }
    int status = ic_pz_drain(e, 0);
    pthread_mutex_unlock(&e->lock);
    return status;
}

/// The slot for the next chunk: the one that held the chunk slot_count before it, once written.
/// `fresh` tells whether the chunk starts here (the slot was free and is now being filled).
static int ic_pz_next_slot(ic_png_pz_encoder *e, struct ic_pz_chunk **slot, int *fresh) {
    struct ic_pz_chunk *c = &e->slots[e->fill_sequence % (uint64_t)e->slot_count];
    pthread_mutex_lock(&e->lock);
    int status = IC_OK;
    if (c->state != IC_PZ_FREE && c->state != IC_PZ_FILLING) {
        // Its chunk is in flight or done but not yet written: write up to it, waiting as needed.
        status = ic_pz_drain(e, c->sequence + 1);
    }
    *fresh = 0;
    if (status == IC_OK && c->state == IC_PZ_FREE) {
        // Helpers scan every slot's state and sequence under the lock.
        c->state = IC_PZ_FILLING;
        c->sequence = e->fill_sequence;
        *fresh = 1;
    }
    pthread_mutex_unlock(&e->lock);
    *slot = c;
    return status;
}

int ic_png_pz_encoder_write_rows(ic_png_pz_encoder *e, const uint8_t *pixels, size_t stride, uint32_t count) {
    if (e == NULL || pixels == NULL || !e->begun || e->finished || e->failed || count > e->height - e->rows_in) {
        return IC_ERR_STATE;
    }
    size_t n = e->rowbytes;
    for (uint32_t i = 0; i < count; i++) {
        struct ic_pz_chunk *c;
        int fresh;
        int status = ic_pz_next_slot(e, &c, &fresh);
        if (status != IC_OK) {
            return ic_pz_fail_status(e, status);
        }
        if (fresh) {
            // Start a chunk: buffers sized once, context copied from the chunk before (still intact:
            // a slot is only refilled slot_count chunks later).
            if (c->raw == NULL) {
                c->raw = malloc((size_t)e->chunk_rows * n);
                c->context = malloc((size_t)e->context_max * n);
                if (c->raw == NULL || c->context == NULL) {
                    return ic_pz_fail(e, IC_ERR_NOMEM, "out of memory buffering PNG rows");
                }
            }
            c->rows = 0;
            c->last = 0;
            c->out_length = 0;
            uint32_t take = e->rows_in < e->context_max ? e->rows_in : e->context_max;
            c->context_rows = take;
            c->context_filters = e->last_filters;
            c->context_from_top = e->rows_in == take;
            if (take > 0) {
                const struct ic_pz_chunk *before = &e->slots[(e->fill_sequence + (uint64_t)e->slot_count - 1) % (uint64_t)e->slot_count];
                // The previous chunk holds at least `take` rows unless the image's first chunk is short,
                // which only happens when the whole image is one chunk.
                memcpy(c->context, before->raw + (size_t)(before->rows - take) * n, (size_t)take * n);
            }
        }
        memcpy(c->raw + (size_t)c->rows * n, pixels + (size_t)i * stride, n);
        c->rows++;
        e->rows_in++;
        if (c->rows == e->chunk_rows || e->rows_in == e->height) {
            c->last = e->rows_in == e->height;
            e->fill_sequence++;
            status = ic_pz_dispatch(e, c);
            if (status != IC_OK) {
                return ic_pz_fail_status(e, status);
            }
        }
    }
    return IC_OK;
}

int ic_png_pz_encoder_finish(ic_png_pz_encoder *e) {
    if (e == NULL || !e->begun || e->finished || e->failed || e->rows_in != e->height) {
        return IC_ERR_STATE;
    }
    pthread_mutex_lock(&e->lock);
    int status = ic_pz_drain(e, UINT64_MAX);
    pthread_mutex_unlock(&e->lock);
    if (status != IC_OK) {
        return ic_pz_fail_status(e, status);
    }
    ic_pz_stop_helpers(e);
    status = ic_pz_write_chunk(&e->sink, "IEND", NULL, 0, NULL, 0, NULL, 0, &e->io_errno);
    if (status != IC_OK) {
        return ic_pz_fail_status(e, status);
    }
    if (e->sink.file != NULL && fflush(e->sink.file) != 0) {
        e->io_errno = errno;
        return ic_pz_fail(e, IC_ERR_IO, "write error while flushing");
    }
    e->finished = 1;
    return IC_OK;
}

uint64_t ic_png_pz_encoder_bytes_written(const ic_png_pz_encoder *e) {
    return e == NULL ? 0 : e->sink.size;
}

const uint8_t *ic_png_pz_encoder_memory(const ic_png_pz_encoder *e, size_t *size) {
    if (e == NULL || size == NULL) {
        return NULL;
    }
    *size = (size_t)e->sink.size;
    return e->sink.buffer;
}

void ic_png_pz_encoder_stats(const ic_png_pz_encoder *e, ic_png_pz_stats *stats) {
    if (e != NULL && stats != NULL) {
        *stats = e->stats;
    }
}
