#ifndef IMAGERY_CCURL_H
#define IMAGERY_CCURL_H

/* libcurl, loaded on first use.

   The types and constants come from libcurl's headers (libcurl4-openssl-dev at build time), but
   nothing links against libcurl: `imagery_curl_load` opens libcurl.so.4 with dlopen the first time
   a transport needs it. Linking it would make every start of every binary load libcurl and the ~30
   libraries it depends on (TLS, Kerberos, LDAP, IDN, ...), about 9 ms of dynamic loading that
   `infra synth`, `infra --help` and every other command without network traffic paid for nothing.

   Call the wrappers below only after `imagery_curl_load` has returned 1; before that they fail
   (NULL, CURLE_FAILED_INIT) instead of calling through a null pointer. */

#include <stddef.h>
#include <curl/curl.h>

/* The oldest libcurl with everything the transport uses (CURLOPT_XFERINFOFUNCTION: 7.32.0). */
#define IMAGERY_CURL_MINIMUM_VERSION 0x072000

/* Opens libcurl once per process (thread-safe): libcurl.so.4, else libcurl-gnutls.so.4, or only the
   library the environment variable IMAGERY_LIBCURL names. Resolves its functions and runs curl_global_init.
   Returns 1 when libcurl is ready; 0 otherwise, with the reason in imagery_curl_load_error(). */
int imagery_curl_load(void);

/* Why imagery_curl_load failed, for each library tried (dlerror's text, a missing symbol or the
   version found), with what to install; "" if it did not fail. Loads first if nothing has. */
const char *imagery_curl_load_error(void);

CURL *imagery_curl_easy_init(void);
void imagery_curl_easy_cleanup(CURL *handle);
void imagery_curl_easy_reset(CURL *handle);
CURLcode imagery_curl_easy_perform(CURL *handle);
const char *imagery_curl_easy_strerror(CURLcode code);
struct curl_slist *imagery_curl_slist_append(struct curl_slist *list, const char *value);
void imagery_curl_slist_free_all(struct curl_slist *list);

/* curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed
   wrapper per argument kind. */
typedef size_t (*imagery_curl_data_callback)(char *buffer, size_t size, size_t count, void *context);
typedef int (*imagery_curl_progress_callback)(void *context, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);

CURLcode imagery_curl_set_long(CURL *handle, CURLoption option, long value);
CURLcode imagery_curl_set_offset(CURL *handle, CURLoption option, curl_off_t value);
CURLcode imagery_curl_set_string(CURL *handle, CURLoption option, const char *value);
CURLcode imagery_curl_set_pointer(CURL *handle, CURLoption option, void *value);
CURLcode imagery_curl_set_list(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode imagery_curl_set_data_callback(CURL *handle, CURLoption option, imagery_curl_data_callback callback);
CURLcode imagery_curl_set_progress_callback(CURL *handle, imagery_curl_progress_callback callback);
CURLcode imagery_curl_get_long(CURL *handle, CURLINFO info, long *value);

#endif
