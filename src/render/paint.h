/* SPDX-License-Identifier: Apache-2.0
 * render/paint.h - rasterises a scene into 8-bit pixels at any scale.
 * While painting, colour is premultiplied by alpha (so "over" is one
 * lerp for RGB and RGBA alike); ir_render_paint_unpremultiply finishes
 * RGBA canvases. Each shape touches only its bounding rows and spans.
 */
#ifndef IR_RENDER_PAINT_H
#define IR_RENDER_PAINT_H

#include "image/image.h"
#include "render/scene.h"

/* Paints the background (or clears to transparent), the shapes, then
 * grain when asked. cv may be smaller than the scene: coordinates scale
 * by cv->w / s->w and cv->h / s->h. */
void ir_render_paint_scene(const struct ir_render_scene *s, bool grain,
                           struct ir_pixels *cv);
/* Bilinear resize of src to dst's size; same band count. */
void ir_render_paint_upscale(const struct ir_pixels *src,
                             struct ir_pixels *dst);
/* Premultiplied RGBA to straight RGBA; no-op for 3 bands. */
void ir_render_paint_unpremultiply(struct ir_pixels *cv);

#endif
