/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/multipart.c - parse a multipart/form-data body (RFC 7578)
 * into parts that point into the body.
 */
#include "multipart.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *multipart_param(const char *hdr, size_t hlen, const char *key);
static bool multipart_boundary(const char *ctype, char *out, size_t outsz);
static bool multipart_add(struct emu_multipart *m, const char *hdrs,
                          size_t hlen, const unsigned char *data,
                          size_t len);

/* Value of key="..." (or key=token) inside a header line. */
static char *
multipart_param(const char *hdr, size_t hlen, const char *key)
{
    size_t klen = strlen(key), i;

    for (i = 0; i + klen + 1 < hlen; i++) {
        const char *p = hdr + i, *end;
        if (strncasecmp(p, key, klen) != 0 || p[klen] != '=')
            continue;
        if (i > 0 && hdr[i - 1] != ' ' && hdr[i - 1] != ';' &&
            hdr[i - 1] != '\t')
            continue;
        p += klen + 1;
        if (*p == '"') {
            p++;
            end = memchr(p, '"', (size_t)(hdr + hlen - p));
        } else {
            end = p;
            while (end < hdr + hlen && *end != ';' && *end != '\r' &&
                   *end != ' ')
                end++;
        }
        if (end == NULL)
            return NULL;
        return strndup(p, (size_t)(end - p));
    }
    return NULL;
}

static bool
multipart_boundary(const char *ctype, char *out, size_t outsz)
{
    char *b;

    if (ctype == NULL || strncasecmp(ctype, "multipart/form-data", 19) != 0)
        return false;
    b = multipart_param(ctype, strlen(ctype), "boundary");
    if (b == NULL || *b == '\0' || strlen(b) + 3 > outsz) {
        free(b);
        return false;
    }
    out[0] = '-';
    out[1] = '-';
    memcpy(out + 2, b, strlen(b) + 1);
    free(b);
    return true;
}

static bool
multipart_add(struct emu_multipart *m, const char *hdrs, size_t hlen,
              const unsigned char *data, size_t len)
{
    struct emu_part *np, *p;
    const char *line = hdrs, *end = hdrs + hlen;

    np = realloc(m->parts, (m->n + 1) * sizeof *np);
    if (np == NULL)
        return false;
    m->parts = np;
    p = &m->parts[m->n];
    memset(p, 0, sizeof *p);
    p->data = data;
    p->len = len;
    while (line < end) {
        const char *nl = memmem(line, (size_t)(end - line), "\r\n", 2);
        size_t ll = nl ? (size_t)(nl - line) : (size_t)(end - line);
        if (ll > 20 && strncasecmp(line, "content-disposition:", 20) == 0) {
            p->name = multipart_param(line, ll, "name");
            p->filename = multipart_param(line, ll, "filename");
        } else if (ll > 13 && strncasecmp(line, "content-type:", 13) == 0) {
            const char *v = line + 13;
            while (*v == ' ' || *v == '\t')
                v++;
            p->ctype = strndup(v, (size_t)(line + ll - v));
        }
        line += ll + 2;
    }
    m->n++;
    return p->name != NULL;
}

bool
emu_multipart_parse(const char *content_type, const unsigned char *body,
                    size_t len, struct emu_multipart *out)
{
    char delim[256];
    size_t dlen;
    const unsigned char *p, *end = body + len;

    memset(out, 0, sizeof *out);
    if (!multipart_boundary(content_type, delim, sizeof(delim)))
        return false;
    dlen = strlen(delim);
    p = memmem(body, len, delim, dlen);
    if (p == NULL)
        return false;
    for (;;) {
        const unsigned char *hdr_end, *next;
        char term[260];
        p += dlen;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return true;                    /* closing delimiter */
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            break;
        p += 2;
        hdr_end = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
        if (hdr_end == NULL)
            break;
        term[0] = '\r';
        term[1] = '\n';
        memcpy(term + 2, delim, dlen);
        next = memmem(hdr_end + 4, (size_t)(end - hdr_end - 4), term,
                      dlen + 2);
        if (next == NULL)
            break;
        if (!multipart_add(out, (const char *)p, (size_t)(hdr_end - p) + 2,
                           hdr_end + 4, (size_t)(next - hdr_end - 4)))
            break;
        p = next + 2;
    }
    emu_multipart_cleanup(out);
    return false;
}

void
emu_multipart_cleanup(struct emu_multipart *m)
{
    size_t i;

    for (i = 0; i < m->n; i++) {
        free(m->parts[i].name);
        free(m->parts[i].filename);
        free(m->parts[i].ctype);
    }
    free(m->parts);
    m->parts = NULL;
    m->n = 0;
}

const struct emu_part *
emu_multipart_get(const struct emu_multipart *m, const char *name)
{
    size_t i;

    for (i = 0; i < m->n; i++) {
        if (strcmp(m->parts[i].name, name) == 0)
            return &m->parts[i];
    }
    return NULL;
}

char *
emu_multipart_value(const struct emu_multipart *m, const char *name)
{
    const struct emu_part *p = emu_multipart_get(m, name);

    if (p == NULL || p->filename != NULL)
        return NULL;
    return strndup((const char *)p->data, p->len);
}
