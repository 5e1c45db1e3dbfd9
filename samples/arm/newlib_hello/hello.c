/* newlib_hello -- a hosted C program on a bare board, through semihosting.
 *
 * Linked with Debian's newlib and its "rdimon" semihosting library
 * (--specs=rdimon.specs): printf ends in SYS_WRITE on the ":tt" handle, malloc
 * asks SYS_HEAPINFO where the heap is, exit() ends in SYS_EXIT_EXTENDED.
 * ARM mode (-marm, the default multilib, ARMv4T code), so vtrans can run it too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    static const char *const inputs[] = {"42", "-17", "0x7fff", "0777", "123abc", "9999999"};
    const size_t n = sizeof inputs / sizeof inputs[0];

    printf("newlib_hello: printf, malloc, strtol, qsort via semihosting\n");

    long *values = malloc(n * sizeof *values);
    if (values == NULL) {
        printf("malloc failed\n");
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        char *end;
        values[i] = strtol(inputs[i], &end, 0);  /* base 0: 0x.. hex, 0.. octal */
        printf("strtol(\"%s\") = %ld, rest \"%s\"\n", inputs[i], values[i], end);
    }
    qsort(values, n, sizeof *values, compare_long);
    printf("sorted:");
    long sum = 0;
    for (size_t i = 0; i < n; i++) {
        printf(" %ld", values[i]);
        sum += values[i];
    }
    printf("\nsum = %ld\n", sum);

    char *copy = malloc(64);
    snprintf(copy, 64, "%08lx|%-6s|%5.2f", (unsigned long)sum, "left", 3.14159);
    printf("snprintf: [%s] (%u bytes)\n", copy, (unsigned)strlen(copy));
    free(copy);
    free(values);
    return 7; /* becomes QEMU's exit status */
}
