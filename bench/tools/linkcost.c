/* SPDX-License-Identifier: Apache-2.0
 * bench/tools/linkcost.c - what the router's libraries cost an idle
 * process before any of its own code runs. bench/idle.sh builds this
 * three times: linked with the router's libraries except libvips; with
 * libvips too; and with libvips plus VIPS_INIT (which loads its modules).
 * Prints the process's VmRSS in kB, or, with "-q", nothing (for timing
 * the exec). "init" as the first argument calls VIPS_INIT when built
 * with -DWITH_VIPS.
 */
#include <stdio.h>
#include <string.h>

#ifdef WITH_VIPS
#include <vips/vips.h>
#endif

int
main(int argc, char **argv)
{
    char line[256];
    FILE *f;
    int i, quiet = 0;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-q") == 0)
            quiet = 1;
#ifdef WITH_VIPS
        else if (strcmp(argv[i], "init") == 0 && VIPS_INIT(argv[0]) != 0)
            return 1;
#endif
    }
    if (quiet)
        return 0;
    f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return 1;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "VmRSS:", 6) == 0)
            fputs(line + 6, stdout);
    fclose(f);
    return 0;
}
