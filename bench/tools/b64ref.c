/* SPDX-License-Identifier: Apache-2.0
 * bench/tools/b64ref.c - base64 codec costs: the router's own codec
 * (src/image/base64.c, ir_base64_decode + ir_base64_encode_to, linked in
 * by the scripts), OpenSSL (EVP_DecodeBlock/EVP_EncodeBlock), a plain
 * table codec, and a memcpy of the base64 size as the floor. bigimage.sh
 * uses it for the reference "one decode + one encode" of the bytes the
 * router carries; codec.sh for the codec comparison in MB/s.
 *
 *   b64ref FILE [REPS]      the bytes of FILE (an image)
 *   b64ref -r MB [REPS]     MB of random bytes
 *
 * Each figure is the best of REPS (default 5) runs, in CPU milliseconds
 * of this thread. Every codec's output is checked against the others.
 * Prints key=value pairs; *_mbps are MB (10^6 bytes) of base64 text per
 * second, decoded or encoded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "image/base64.h"
#include "util/mem.h"

static const char b64_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static double
ref_cpu_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* MB (10^6 bytes) of base64 text per second; 0 if too fast to time. */
static double
mbps(size_t b64_bytes, double ms)
{
    return ms > 0 ? (double)b64_bytes / 1e3 / ms : 0;
}

static size_t
table_encode(char *out, const unsigned char *in, size_t n)
{
    char *o = out;
    size_t i;

    for (i = 0; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
                     in[i + 2];

        *o++ = b64_alpha[v >> 18];
        *o++ = b64_alpha[(v >> 12) & 63];
        *o++ = b64_alpha[(v >> 6) & 63];
        *o++ = b64_alpha[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16;

        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        *o++ = b64_alpha[v >> 18];
        *o++ = b64_alpha[(v >> 12) & 63];
        *o++ = i + 1 < n ? b64_alpha[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    return (size_t)(o - out);
}

static size_t
table_decode(unsigned char *out, const char *in, size_t n,
             const signed char *rev)
{
    unsigned char *o = out;
    uint32_t acc = 0;
    int bits = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        signed char d = rev[(unsigned char)in[i]];

        if (d < 0)
            break; /* '=' or the end */
        acc = acc << 6 | (uint32_t)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *o++ = (unsigned char)(acc >> bits);
        }
    }
    return (size_t)(o - out);
}

int
main(int argc, char **argv)
{
    FILE *f;
    long n;
    unsigned char *bin, *bin2;
    char *b64, *b64b;
    size_t blen, elen;
    signed char rev[256];
    int reps = argc > 2 ? atoi(argv[2]) : 5, r, i;
    double best_ssl = 1e18, best_tab = 1e18, best_cpy = 1e18;
    double best_ssl_dec = 1e18, best_ssl_enc = 1e18;
    double best_ir = 1e18, best_ir_dec = 1e18, best_ir_enc = 1e18;

    if (argc < 2 || reps < 1 || (strcmp(argv[1], "-r") == 0 && argc < 3)) {
        fprintf(stderr, "usage: b64ref FILE [REPS] | b64ref -r MB [REPS]\n");
        return 2;
    }
    if (strcmp(argv[1], "-r") == 0) {
        /* Random bytes: the worst case for a codec with no shortcuts. */
        uint64_t x = 0x9e3779b97f4a7c15u;
        size_t k;
        blen = (size_t)(atof(argv[2]) * 1e6);
        reps = argc > 3 ? atoi(argv[3]) : 5;
        if (blen == 0 || reps < 1)
            return 2;
        bin = malloc(blen + 3);
        if (bin == NULL)
            return 2;
        for (k = 0; k < blen; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            bin[k] = (unsigned char)(x >> 56);
        }
    } else {
        f = fopen(argv[1], "rb");
        if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
            fseek(f, 0, SEEK_SET) != 0) {
            perror(argv[1]);
            return 2;
        }
        blen = (size_t)n;
        bin = malloc(blen + 3);
        if (bin == NULL || fread(bin, 1, blen, f) != blen)
            return 2;
        fclose(f);
    }
    elen = 4 * ((blen + 2) / 3);
    bin2 = malloc(blen + 3);
    b64 = malloc(elen + 1);
    b64b = malloc(elen + 1);
    if (bin2 == NULL || b64 == NULL || b64b == NULL)
        return 2;
    memset(rev, -1, sizeof rev);
    for (i = 0; i < 64; i++)
        rev[(unsigned char)b64_alpha[i]] = (signed char)i;
    /* The text as it arrives; touch every buffer once before timing. */
    EVP_EncodeBlock((unsigned char *)b64, bin, (int)blen);
    memset(bin2, 0, blen + 3);
    memset(b64b, 0, elen + 1);

    for (r = 0; r < reps; r++) {
        double t0 = ref_cpu_ms(), t1, t2;
        int dn = EVP_DecodeBlock(bin2, (unsigned char *)b64, (int)elen);

        t1 = ref_cpu_ms();
        EVP_EncodeBlock((unsigned char *)b64b, bin2, (int)blen);
        t2 = ref_cpu_ms();
        if (dn < (int)blen || memcmp(bin, bin2, blen) != 0 ||
            memcmp(b64, b64b, elen) != 0) {
            fprintf(stderr, "b64ref: OpenSSL round trip differs\n");
            return 1;
        }
        if (t2 - t0 < best_ssl)
            best_ssl = t2 - t0;
        if (t1 - t0 < best_ssl_dec)
            best_ssl_dec = t1 - t0;
        if (t2 - t1 < best_ssl_enc)
            best_ssl_enc = t2 - t1;

        t0 = ref_cpu_ms();
        if (table_decode(bin2, b64, elen, rev) != blen)
            return 1;
        table_encode(b64b, bin2, blen);
        t1 = ref_cpu_ms();
        if (memcmp(b64, b64b, elen) != 0) {
            fprintf(stderr, "b64ref: table round trip differs\n");
            return 1;
        }
        if (t1 - t0 < best_tab)
            best_tab = t1 - t0;

        {
            /* The router's codec as the router calls it: decode into a
             * new buffer, encode into one sized by the caller. */
            unsigned char *dec = NULL;
            size_t dlen = 0;
            ir_err e;
            t0 = ref_cpu_ms();
            e = ir_base64_decode(b64, elen, &dec, &dlen);
            t1 = ref_cpu_ms();
            if (e != IR_OK || dlen != blen || memcmp(dec, bin, blen) != 0) {
                fprintf(stderr, "b64ref: ir_base64_decode differs\n");
                return 1;
            }
            ir_base64_encode_to(dec, dlen, b64b);
            t2 = ref_cpu_ms();
            ir_free(dec);
            if (memcmp(b64, b64b, elen) != 0) {
                fprintf(stderr, "b64ref: ir_base64_encode_to differs\n");
                return 1;
            }
            if (t2 - t0 < best_ir)
                best_ir = t2 - t0;
            if (t1 - t0 < best_ir_dec)
                best_ir_dec = t1 - t0;
            if (t2 - t1 < best_ir_enc)
                best_ir_enc = t2 - t1;
        }

        t0 = ref_cpu_ms();
        memcpy(b64b, b64, elen);
        t1 = ref_cpu_ms();
        if (b64b[elen / 2] != b64[elen / 2])
            return 1;
        if (t1 - t0 < best_cpy)
            best_cpy = t1 - t0;
    }
    printf("bytes=%zu b64_bytes=%zu openssl_dec_enc_ms=%.1f "
           "openssl_dec_ms=%.1f openssl_enc_ms=%.1f table_dec_enc_ms=%.1f "
           "memcpy_ms=%.2f ir_dec_enc_ms=%.1f ir_dec_ms=%.1f ir_enc_ms=%.1f "
           "ir_dec_mbps=%.0f ir_enc_mbps=%.0f openssl_dec_mbps=%.0f "
           "openssl_enc_mbps=%.0f memcpy_mbps=%.0f\n",
           blen, elen, best_ssl, best_ssl_dec, best_ssl_enc, best_tab,
           best_cpy, best_ir, best_ir_dec, best_ir_enc,
           mbps(elen, best_ir_dec), mbps(elen, best_ir_enc),
           mbps(elen, best_ssl_dec), mbps(elen, best_ssl_enc),
           mbps(elen, best_cpy));
    return 0;
}
