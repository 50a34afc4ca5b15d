/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/files.c - generated images kept for download by URL
 * (DALL-E/xAI/Seedream/Recraft `url` results, BFL `result.sample`).
 * A bounded ring: the oldest file goes when the ring is full.
 */
#include "files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define FILES_MAX 512

struct emu_file {
    char token[33];
    unsigned char *data;
    size_t len;
    const char *mime;
    int64_t expires_ms;
};

struct emu_files {
    struct emu_file ring[FILES_MAX];
    size_t next;
};

struct emu_files *
emu_files_new(void)
{
    return calloc(1, sizeof(struct emu_files));
}

void
emu_files_free(struct emu_files *f)
{
    size_t i;

    if (f == NULL)
        return;
    for (i = 0; i < FILES_MAX; i++) {
        free(f->ring[i].data);
    }
    free(f);
}

bool
emu_files_put(struct emu_files *f, struct emu_ctx *c,
              const struct emu_image *img, int ttl_s, char *url,
              size_t urlsz)
{
    struct emu_file *slot = &f->ring[f->next];
    char base[320], sig[33];
    int64_t exp = emu_now_ms() + (int64_t)ttl_s * 1000;
    int n;

    free(slot->data);
    memset(slot, 0, sizeof *slot);
    slot->data = malloc(img->len ? img->len : 1);
    if (slot->data == NULL)
        return false;
    memcpy(slot->data, img->data, img->len);
    slot->len = img->len;
    slot->mime = img->mime;
    slot->expires_ms = exp;
    emu_hex_random(slot->token, 16);
    emu_hex_random(sig, 16);
    f->next = (f->next + 1) % FILES_MAX;
    emu_base_url(c, base, sizeof(base));
    n = snprintf(url, urlsz, "%s/delivery/%s/%s.%s?se=%lld&sp=r&sig=%s",
                 base, emu_provider_ops(c->provider)->name, slot->token,
                 img->fmt, (long long)(exp / 1000), sig);
    return n > 0 && (size_t)n < urlsz;
}

void
emu_files_serve(struct emu_files *f, struct emu_ctx *c)
{
    const char *name = strrchr(c->path, '/');
    size_t i;

    if (name == NULL || strlen(name + 1) < 32) {
        emu_reply_text(c, 404, "text/plain", "Not Found\n");
        return;
    }
    name++;
    for (i = 0; i < FILES_MAX; i++) {
        struct emu_file *e = &f->ring[i];
        if (e->data == NULL || strncmp(e->token, name, 32) != 0)
            continue;
        if (emu_now_ms() > e->expires_ms) {
            emu_reply_text(c, 403, "application/xml",
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>"
                "AuthenticationFailed</Code><Message>Signed expiry time "
                "has expired.</Message></Error>");
            return;
        }
        emu_reply(c, 200, e->mime, e->data, e->len);
        return;
    }
    emu_reply_text(c, 404, "application/xml",
                   "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>"
                   "BlobNotFound</Code><Message>The specified blob does not "
                   "exist.</Message></Error>");
}
