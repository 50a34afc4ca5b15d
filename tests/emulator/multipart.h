/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/multipart.h - parse a multipart/form-data body (RFC 7578)
 * into parts that point into the body.
 */
#ifndef EMU_MULTIPART_H
#define EMU_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

struct emu_part {
    char *name;               /* form field name */
    char *filename;           /* NULL for a plain field */
    char *ctype;              /* part Content-Type, NULL if absent */
    const unsigned char *data; /* borrowed from the body */
    size_t len;
};

struct emu_multipart {
    struct emu_part *parts;
    size_t n;
};

/* False when the body is not well-formed multipart for that boundary. */
bool emu_multipart_parse(const char *content_type, const unsigned char *body,
                         size_t len, struct emu_multipart *out);
void emu_multipart_cleanup(struct emu_multipart *m);
const struct emu_part *emu_multipart_get(const struct emu_multipart *m,
                                         const char *name);
/* A plain field's value as a new string (caller frees), or NULL. */
char *emu_multipart_value(const struct emu_multipart *m, const char *name);

#endif
