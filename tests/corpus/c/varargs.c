/* Variadic functions with __builtin_va_list (no libc). */
typedef __builtin_va_list va_list;

int sum(int n, ...)
{
    va_list ap;
    int s = 0;
    __builtin_va_start(ap, n);
    for (int i = 0; i < n; i++)
        s += __builtin_va_arg(ap, int);
    __builtin_va_end(ap);
    return s;
}

long long sum64(int n, ...)
{
    va_list ap;
    long long s = 0;
    __builtin_va_start(ap, n);
    while (n--)
        s += __builtin_va_arg(ap, long long);
    __builtin_va_end(ap);
    return s;
}

int result;
void _start(void)
{
    result = sum(5, 1, 2, 3, 4, 5) + (int)sum64(3, 1LL, 1LL << 40, -7LL);
    for (;;)
        ;
}
