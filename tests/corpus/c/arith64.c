/* 64-bit arithmetic: add/sub with carry, multiply, shifts, division (libgcc helpers). */
unsigned long long a64 = 0xfedcba9876543210ULL;
long long s64 = -1234567890123LL;

unsigned long long mulhi(unsigned long long x, unsigned long long y) { return (x >> 32) * (y >> 32) + x * y; }
long long shifts(long long x, int n) { return (x << n) ^ (x >> n) ^ (long long)((unsigned long long)x >> (n & 31)); }
unsigned long long divmod(unsigned long long x, unsigned long long y) { return x / y + x % y; }
long long sdiv(long long x, long long y) { return x / y; }
int cmp64(long long a, long long b) { return (a < b) - (a > b); }

unsigned long long run(void)
{
    unsigned long long t = 0;
    for (int i = 1; i < 20; i++)
        t += mulhi(a64, (unsigned long long)i) + (unsigned long long)shifts(s64, i) + divmod(a64, (unsigned)i * 7u)
             + (unsigned long long)sdiv(s64, i) + (unsigned long long)cmp64(s64, i);
    return t;
}
