#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* secure_getenv */
#endif
#include "CCurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The names tried, in order: Debian's libcurl4 (OpenSSL), then libcurl3-gnutls, which has the same
   ABI under another name. */
static const char *const library_names[] = {"libcurl.so.4", "libcurl-gnutls.so.4"};

static struct {
    CURLcode (*global_init)(long flags);
    curl_version_info_data *(*version_info)(CURLversion age);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *handle);
    void (*easy_reset)(CURL *handle);
    CURLcode (*easy_perform)(CURL *handle);
    const char *(*easy_strerror)(CURLcode code);
    CURLcode (*easy_setopt)(CURL *handle, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *handle, CURLINFO info, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *value);
    void (*slist_free_all)(struct curl_slist *list);
} api;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
/* Set once, inside the pthread_once above; read by every wrapper (on any thread). */
static atomic_int loaded = 0;
static char load_error[512] = "";

/* dlsym into a function pointer of the right type; on a missing symbol, says so and gives up on
   this library. */
#define RESOLVE(field, symbol)                                                                      \
    do {                                                                                            \
        void *address = dlsym(library, symbol);                                                     \
        if (address == NULL) {                                                                      \
            snprintf(reason, reason_size, "%s has no symbol %s", name, symbol);                      \
            return 0;                                                                               \
        }                                                                                           \
        memcpy(&api.field, &address, sizeof address);                                               \
    } while (0)

static int is_loaded(void) { return atomic_load_explicit(&loaded, memory_order_acquire); }

/* Resolves every function from an opened library and checks its version: 1 if it is usable. */
static int resolve(void *library, const char *name, char *reason, size_t reason_size) {
    RESOLVE(global_init, "curl_global_init");
    RESOLVE(version_info, "curl_version_info");
    RESOLVE(easy_init, "curl_easy_init");
    RESOLVE(easy_cleanup, "curl_easy_cleanup");
    RESOLVE(easy_reset, "curl_easy_reset");
    RESOLVE(easy_perform, "curl_easy_perform");
    RESOLVE(easy_strerror, "curl_easy_strerror");
    RESOLVE(easy_setopt, "curl_easy_setopt");
    RESOLVE(easy_getinfo, "curl_easy_getinfo");
    RESOLVE(slist_append, "curl_slist_append");
    RESOLVE(slist_free_all, "curl_slist_free_all");
    const curl_version_info_data *info = api.version_info(CURLVERSION_NOW);
    if (info == NULL || info->version_num < IMAGERY_CURL_MINIMUM_VERSION) {
        snprintf(reason, reason_size, "%s is version %s", name, info && info->version ? info->version : "unknown");
        return 0;
    }
    return 1;
}

static void load(void) {
    /* IMAGERY_LIBCURL names one library (a file name or a path) to use instead of the defaults;
       ignored in set-user-ID programs. */
    const char *chosen = secure_getenv("IMAGERY_LIBCURL");
    const char *const *names = library_names;
    size_t count = sizeof library_names / sizeof library_names[0];
    if (chosen != NULL && chosen[0] != '\0') {
        names = &chosen;
        count = 1;
    }
    char reasons[384] = "";
    int usable = 0;
    for (size_t i = 0; i < count && !usable; i++) {
        char reason[256] = "";
        void *library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (library == NULL) {
            const char *text = dlerror();
            snprintf(reason, sizeof reason, "%s", text ? text : names[i]);
        } else if (resolve(library, names[i], reason, sizeof reason)) {
            usable = 1;  /* kept open for the life of the process */
        } else {
            memset(&api, 0, sizeof api);
            dlclose(library);
        }
        if (!usable) {
            size_t used = strlen(reasons);
            snprintf(reasons + used, sizeof reasons - used, "%s%s", used ? "; " : "", reason);
        }
    }
    if (!usable) {
        snprintf(load_error, sizeof load_error,
                 "cannot load libcurl 7.32 or newer (%s); install it (Debian: apt-get install libcurl4)", reasons);
        return;
    }
    CURLcode code = api.global_init(CURL_GLOBAL_ALL);
    if (code != CURLE_OK) {
        snprintf(load_error, sizeof load_error, "curl_global_init failed with code %d", (int)code);
        return;
    }
    atomic_store_explicit(&loaded, 1, memory_order_release);
}

int imagery_curl_load(void) {
    pthread_once(&load_once, load);
    return is_loaded();
}

const char *imagery_curl_load_error(void) {
    /* After the once-only load, so that load_error is complete and safely visible. */
    return imagery_curl_load() ? "" : load_error;
}

CURL *imagery_curl_easy_init(void) { return is_loaded() ? api.easy_init() : NULL; }

void imagery_curl_easy_cleanup(CURL *handle) {
    if (is_loaded()) api.easy_cleanup(handle);
}

void imagery_curl_easy_reset(CURL *handle) {
    if (is_loaded()) api.easy_reset(handle);
}

CURLcode imagery_curl_easy_perform(CURL *handle) { return is_loaded() ? api.easy_perform(handle) : CURLE_FAILED_INIT; }

const char *imagery_curl_easy_strerror(CURLcode code) {
    return is_loaded() ? api.easy_strerror(code) : "libcurl is not loaded";
}

struct curl_slist *imagery_curl_slist_append(struct curl_slist *list, const char *value) {
    return is_loaded() ? api.slist_append(list, value) : NULL;
}

void imagery_curl_slist_free_all(struct curl_slist *list) {
    if (is_loaded()) api.slist_free_all(list);
}

CURLcode imagery_curl_set_long(CURL *handle, CURLoption option, long value) {
    return is_loaded() ? api.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}

CURLcode imagery_curl_set_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return is_loaded() ? api.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}

CURLcode imagery_curl_set_string(CURL *handle, CURLoption option, const char *value) {
    return is_loaded() ? api.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}

CURLcode imagery_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
    return is_loaded() ? api.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}

CURLcode imagery_curl_set_list(CURL *handle, CURLoption option, struct curl_slist *value) {
    return is_loaded() ? api.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}

CURLcode imagery_curl_set_data_callback(CURL *handle, CURLoption option, imagery_curl_data_callback callback) {
    return is_loaded() ? api.easy_setopt(handle, option, callback) : CURLE_FAILED_INIT;
}

CURLcode imagery_curl_set_progress_callback(CURL *handle, imagery_curl_progress_callback callback) {
    return is_loaded() ? api.easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback) : CURLE_FAILED_INIT;
}

CURLcode imagery_curl_get_long(CURL *handle, CURLINFO info, long *value) {
    return is_loaded() ? api.easy_getinfo(handle, info, value) : CURLE_FAILED_INIT;
}
