/* SPDX-License-Identifier: Apache-2.0
 * render/prompt.c - reads colour, mood and style cues from prompt words.
 * The word list is small on purpose: cues steer the hash-driven design,
 * they do not replace it.
 */
#include "render/prompt.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "render/prng.h"

/* Longest word compared; longer words cannot be in the table. */
#define PROMPT_MAX_WORD 16

/* style -1 and mood 0 mean "no cue"; has_rgb marks colour words. */
struct prompt_word {
    const char *word;
    bool has_rgb;
    uint8_t rgb[3];
    int mood;
    int style;
};

/* clang-format off */
#define C(w, r, g, b, m) {w, true, {r, g, b}, m, -1}
#define S(w, s, m) {w, false, {0, 0, 0}, m, IR_RENDER_STYLE_##s}
#define M(w, m) {w, false, {0, 0, 0}, m, -1}

static const struct prompt_word prompt_words[] = {
    C("red", 214, 40, 48, 0),        C("crimson", 190, 18, 60, 0),
    C("scarlet", 240, 40, 10, 0),    C("cherry", 200, 20, 50, 0),
    C("orange", 250, 135, 10, 0),    C("amber", 255, 185, 0, 0),
    C("gold", 212, 170, 50, 0),      C("golden", 222, 175, 55, 0),
    C("yellow", 250, 212, 40, 0),    C("lemon", 245, 230, 70, 1),
    C("green", 40, 160, 70, 0),      C("emerald", 0, 150, 110, 0),
    C("lime", 150, 215, 40, 1),      C("olive", 120, 125, 20, 0),
    C("mint", 150, 228, 190, 1),     C("teal", 0, 125, 128, 0),
    C("cyan", 0, 195, 220, 0),       C("turquoise", 60, 220, 200, 0),
    C("blue", 30, 90, 220, 0),       C("navy", 20, 30, 100, -1),
    C("azure", 0, 125, 255, 0),      C("indigo", 75, 20, 140, -1),
    C("violet", 140, 70, 200, 0),    C("purple", 120, 40, 160, 0),
    C("lavender", 180, 160, 225, 1), C("magenta", 220, 30, 160, 0),
    C("pink", 250, 130, 180, 1),     C("rose", 228, 80, 120, 0),
    C("coral", 250, 120, 90, 0),     C("peach", 255, 190, 150, 1),
    C("brown", 120, 72, 40, 0),      C("rust", 180, 65, 15, 0),
    C("sand", 220, 195, 150, 1),     C("grey", 128, 128, 132, 0),
    C("gray", 128, 128, 132, 0),     C("silver", 190, 192, 198, 1),
    C("black", 18, 18, 22, -1),      C("white", 242, 240, 235, 1),
    C("fire", 240, 80, 20, 0),       C("ice", 180, 220, 240, 1),
    C("snow", 235, 240, 245, 1),     C("wine", 115, 30, 50, -1),
    C("plum", 140, 70, 130, 0),      C("grass", 80, 170, 60, 0),
    C("moss", 110, 130, 60, 0),      C("ocean", 0, 90, 140, 0),
    S("sea", STRATA, 0),             S("sunset", STRATA, 0),
    S("sunrise", STRATA, 1),         S("landscape", STRATA, 0),
    S("horizon", STRATA, 0),         S("mountain", STRATA, 0),
    S("desert", STRATA, 1),          S("beach", STRATA, 1),
    S("field", STRATA, 0),           S("stripe", STRATA, 0),
    S("layer", STRATA, 0),           S("lake", STRATA, 0),
    S("river", STRATA, 0),           S("water", STRATA, 0),
    S("orbit", ORBITS, 0),           S("planet", ORBITS, -1),
    S("space", ORBITS, -1),          S("cosmic", ORBITS, -1),
    S("galaxy", ORBITS, -1),         S("moon", ORBITS, -1),
    S("sun", ORBITS, 0),             S("ring", ORBITS, 0),
    S("circle", ORBITS, 0),          S("eye", ORBITS, 0),
    S("atom", ORBITS, 0),            S("star", CONSTELLATION, -1),
    S("constellation", CONSTELLATION, -1),S("network", CONSTELLATION, 0),
    S("city", CONSTELLATION, -1),    S("node", CONSTELLATION, 0),
    S("graph", CONSTELLATION, 0),    S("map", CONSTELLATION, 0),
    S("dot", CONSTELLATION, 0),      S("flower", BLOOM, 1),
    S("garden", BLOOM, 1),           S("bloom", BLOOM, 1),
    S("petal", BLOOM, 1),            S("bubble", BLOOM, 0),
    S("cloud", BLOOM, 1),            S("dream", BLOOM, 0),
    M("dark", -1),                   M("night", -1),
    M("midnight", -1),               M("noir", -1),
    M("shadow", -1),                 M("moody", -1),
    M("deep", -1),                   M("light", 1),
    M("bright", 1),                  M("pastel", 1),
    M("soft", 1),                    M("airy", 1),
    M("morning", 1),
};
/* clang-format on */

#undef C
#undef S
#undef M

static const struct prompt_word *prompt_lookup(const char *w, size_t n);
static void prompt_apply(const struct prompt_word *pw,
                         struct ir_render_prompt *out, bool *styled);

/* Exact match, or a plural: "stars" finds "star". */
static const struct prompt_word *
prompt_lookup(const char *w, size_t n)
{
    size_t i, k;

    for (i = 0; i < sizeof prompt_words / sizeof prompt_words[0]; i++) {
        k = strlen(prompt_words[i].word);
        if ((k == n || (k + 1 == n && w[k] == 's')) &&
            memcmp(prompt_words[i].word, w, k) == 0)
            return &prompt_words[i];
    }
    return NULL;
}

static void
prompt_apply(const struct prompt_word *pw, struct ir_render_prompt *out,
             bool *styled)
{
    if (pw->has_rgb && out->ncolours < IR_RENDER_PROMPT_MAX_COLOURS)
        memcpy(out->colours[out->ncolours++], pw->rgb, 3);
    /* The first mood and style words win: prompts lead with the point. */
    if (out->mood == 0)
        out->mood = pw->mood;
    if (!*styled && pw->style >= 0) {
        out->style = (enum ir_render_style)pw->style;
        *styled = true;
    }
}

void
ir_render_prompt_read(const char *prompt, struct ir_render_prompt *out)
{
    char word[PROMPT_MAX_WORD + 1];
    size_t n = 0, len;
    bool styled = false;
    const char *p;

    if (prompt == NULL)
        prompt = "";
    len = strlen(prompt);
    memset(out, 0, sizeof *out);
    out->hash = ir_render_prng_hash(prompt, len);
    out->style = (enum ir_render_style)(out->hash % IR_RENDER_STYLE_COUNT);
    /* One pass over ASCII letter runs; the terminating NUL ends the last
     * word. Non-ASCII bytes split words, which is harmless here. */
    for (p = prompt;; p++) {
        if (isalpha((unsigned char)*p) && !((unsigned char)*p & 0x80)) {
            if (n <= PROMPT_MAX_WORD)
                word[n] = (char)tolower((unsigned char)*p);
            n++;
            continue;
        }
        if (n > 0 && n <= PROMPT_MAX_WORD) {
            const struct prompt_word *pw = prompt_lookup(word, n);

            if (pw != NULL)
                prompt_apply(pw, out, &styled);
        }
        n = 0;
        if (*p == '\0')
            break;
    }
}
