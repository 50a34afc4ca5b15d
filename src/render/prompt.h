/* SPDX-License-Identifier: Apache-2.0
 * render/prompt.h - what the renderer reads from a prompt: a hash, plus
 * cues from known words (colours, light or dark mood, composition style),
 * so "a red sunset over the sea" looks like one.
 */
#ifndef IR_RENDER_PROMPT_H
#define IR_RENDER_PROMPT_H

#include <stddef.h>
#include <stdint.h>

#define IR_RENDER_PROMPT_MAX_COLOURS 4

enum ir_render_style {
    IR_RENDER_STYLE_ORBITS,        /* rings around a focal point */
    IR_RENDER_STYLE_STRATA,        /* parallel bands and a sun */
    IR_RENDER_STYLE_CONSTELLATION, /* dots joined by thin lines */
    IR_RENDER_STYLE_BLOOM,         /* overlapping translucent discs */
    IR_RENDER_STYLE_COUNT,
};

struct ir_render_prompt {
    uint64_t hash;                                    /* of the bytes */
    uint8_t colours[IR_RENDER_PROMPT_MAX_COLOURS][3]; /* named colours */
    size_t ncolours;
    int mood;                   /* -1 dark, 0 none, +1 light */
    enum ir_render_style style; /* from words, else from the hash */
};

/* prompt may be NULL (treated as ""). */
void ir_render_prompt_read(const char *prompt, struct ir_render_prompt *out);

#endif
