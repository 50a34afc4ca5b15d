/* SPDX-License-Identifier: Apache-2.0
 * bench/tools/b64ref.c - the reference costs for bench/bigimage.sh: one
 * base64 decode + one encode of the same bytes the router carries, with
 * OpenSSL (EVP_DecodeBlock/EVP_EncodeBlock) and with a plain table codec,
 * and a memcpy of the base64 size as the floor.
 *
 *   b64ref FILE [REPS]
 *
 * FILE is the binary image. Each figure is the best of REPS (default 5)
 * runs, in CPU milliseconds of this thread. Prints key=value pairs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

static const char b64_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static double
ref_cpu_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
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

    if (argc < 2 || reps < 1) {
        fprintf(stderr, "usage: b64ref FILE [REPS]\n");
        return 2;
    }
    f = fopen(argv[1], "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        perror(argv[1]);
        return 2;
    }
    blen = (size_t)n;
    elen = 4 * ((blen + 2) / 3);
    bin = malloc(blen + 3);
    bin2 = malloc(blen + 3);
    b64 = malloc(elen + 1);
    b64b = malloc(elen + 1);
    if (bin == NULL || bin2 == NULL || b64 == NULL || b64b == NULL ||
        fread(bin, 1, blen, f) != blen)
        return 2;
    fclose(f);
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
           "memcpy_ms=%.2f\n",
           blen, elen, best_ssl, best_ssl_dec, best_ssl_enc, best_tab,
           best_cpy);
    return 0;
}
