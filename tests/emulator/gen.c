/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/gen.c - make the image(s) one provider request returns,
 * honouring the emulator's --tiny mode and the script's image_format.
 */
#include "gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imgcache.h"
#include "util.h"

uint32_t
emu_gen_seed(struct emu_ctx *c, const char *prompt, bool has_seed,
             long long seed, int index)
{
    uint32_t h = emu_fnv1a(prompt ? prompt : "", prompt ? strlen(prompt) : 0,
                           0);

    if (has_seed)
        h = emu_fnv1a(&seed, sizeof(seed), h);
    else
        h = emu_fnv1a(&c->id, sizeof(c->id), h);
    return emu_fnv1a(&index, sizeof(index), h);
}

bool
emu_gen_image(struct emu_ctx *c, int w, int h, const char *fmt,
              uint32_t seed, bool alpha, struct emu_image *out)
{
    const char *forced = emu_image_fmt(emu_action_str(c, "image_format"));
    bool tiny = c->emu->cfg.tiny || emu_action_bool(c, "tiny");

    if (forced != NULL)
        fmt = forced;
    if (w > EMU_MAX_SIDE)
        w = EMU_MAX_SIDE;
    if (h > EMU_MAX_SIDE)
        h = EMU_MAX_SIDE;
    if (emu_imgcache_make(c->emu->imgcache, w, h, fmt, seed, alpha, tiny,
                          out))
        return true;
    emu_reply_json(c, 500, json_pack("{s:s}", "error",
                                     "emulator could not render image"));
    return false;
}

char *
emu_gen_b64(struct emu_ctx *c, const struct emu_image *img)
{
    return emu_imgcache_b64(c->emu->imgcache, img);
}

char *
emu_gen_data_url(struct emu_ctx *c, const struct emu_image *img)
{
    char *b = emu_gen_b64(c, img), *out = NULL;

    if (b == NULL)
        return NULL;
    if (asprintf(&out, "data:%s;base64,%s", img->mime, b) < 0)
        out = NULL;
    free(b);
    return out;
}

unsigned char *
emu_gen_parse_data_url(const char *url, size_t *len, char *mime,
                       size_t mimesz)
{
    const char *semi, *comma;

    if (url == NULL || strncmp(url, "data:", 5) != 0)
        return NULL;
    comma = strchr(url, ',');
    semi = strstr(url, ";base64,");
    if (comma == NULL || semi == NULL || semi + 7 != comma)
        return NULL;
    snprintf(mime, mimesz, "%.*s", (int)(semi - url - 5), url + 5);
    return emu_b64_decode(comma + 1, strlen(comma + 1), len);
}
