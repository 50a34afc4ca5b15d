/* SPDX-License-Identifier: Apache-2.0
 * client/dataurl.c - data: URLs for input_references, and media types from
 * magic bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "buf.h"
#include "error.h"

#define DATAURL_MAX_FILE ((size_t)64 * 1024 * 1024)

static bool sniff_svg(const unsigned char *p, size_t n);

static bool
sniff_svg(const unsigned char *p, size_t n)
{
    size_t i = 0, lim = n < 1024 ? n : 1024;

    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        i = 3;   /* UTF-8 BOM */
    while (i < lim && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
                       p[i] == '\n'))
        i++;
    if (i >= lim || p[i] != '<')
        return false;
    /* "<svg" directly, or an XML prolog / comment followed by one. */
    for (; i + 4 <= lim; i++)
        if (memcmp(p + i, "<svg", 4) == 0)
            return true;
    return false;
}

const char *
imagerouter_media_type_sniff(const void *data, size_t len)
{
    const unsigned char *p = data;

    if (!p)
        return NULL;
    if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return "image/jpeg";
    if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
        return "image/webp";
    if (len >= 6 &&
        (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
        return "image/gif";
    if (sniff_svg(p, len))
        return "image/svg+xml";
    return NULL;
}

const char *
imagerouter_media_type_extension(const char *mt)
{
    static const struct {
        const char *type, *ext;
    } map[] = {
        {"image/png", "png"},   {"image/jpeg", "jpeg"},
        {"image/jpg", "jpeg"},  {"image/webp", "webp"},
        {"image/gif", "gif"},   {"image/svg+xml", "svg"},
    };
    size_t i, n;

    if (!mt)
        return "bin";
    n = strcspn(mt, "; ");
    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strlen(map[i].type) == n && strncasecmp(mt, map[i].type, n) == 0)
            return map[i].ext;
    return "bin";
}

int
imagerouter_data_url_from_bytes(const void *data, size_t len,
                                const char *media_type, char **out,
                                imagerouter_error **err)
{
    size_t elen, plen, total;
    char *url;
    int n;

    if (!out || (!data && len))
        return irc_fail(err, IMAGEROUTER_ERR_INVALID_ARGUMENT,
                        "data and out are required");
    *out = NULL;
    if (!media_type)
        media_type = imagerouter_media_type_sniff(data, len);
    if (!media_type)
        media_type = "application/octet-stream";
    elen = irc_base64_encoded_len(len);
    plen = strlen(media_type) + sizeof("data:;base64,") - 1;
    if ((len && elen == 0) || elen > SIZE_MAX - plen - 1)
        return irc_fail(err, IMAGEROUTER_ERR_INVALID_ARGUMENT, "too large");
    total = plen + elen + 1;
    url = malloc(total);
    if (!url)
        return irc_fail(err, IMAGEROUTER_ERR_NO_MEMORY, "out of memory");
    n = snprintf(url, total, "data:%s;base64,", media_type);
    irc_base64_encode(data, len, url + n);
    *out = url;
    return IMAGEROUTER_OK;
}

int
imagerouter_data_url_from_file(const char *path, const char *media_type,
                               char **out, imagerouter_error **err)
{
    struct irc_buf b;
    char chunk[65536];
    size_t n;
    FILE *f;
    int rc;

    if (!path || !out)
        return irc_fail(err, IMAGEROUTER_ERR_INVALID_ARGUMENT,
                        "path and out are required");
    *out = NULL;
    f = fopen(path, "rb");
    if (!f)
        return irc_fail(err, IMAGEROUTER_ERR_IO, "%s: %s", path,
                        strerror(errno));
    irc_buf_init(&b, DATAURL_MAX_FILE);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (!irc_buf_add(&b, chunk, n)) {
            fclose(f);
            irc_buf_cleanup(&b);
            return irc_fail(err, IMAGEROUTER_ERR_INVALID_ARGUMENT,
                            "%s: larger than 64 MiB (or out of memory)",
                            path);
        }
    }
    if (ferror(f)) {
        rc = irc_fail(err, IMAGEROUTER_ERR_IO, "%s: read error", path);
        fclose(f);
        irc_buf_cleanup(&b);
        return rc;
    }
    fclose(f);
    rc = imagerouter_data_url_from_bytes(b.data, b.len, media_type, out, err);
    irc_buf_cleanup(&b);
    return rc;
}
