/* Recursion: fibonacci, ackermann, mutual recursion, tail calls. */
unsigned fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

unsigned ack(unsigned m, unsigned n)
{
    if (m == 0) return n + 1;
    if (n == 0) return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

static int is_odd(unsigned n);
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

unsigned gcd(unsigned a, unsigned b) { return b ? gcd(b, a % b) : a; }

volatile unsigned out;
void _start(void)
{
    out = fib(15) + ack(2, 3) + is_even(17) + gcd(1071, 462);
    for (;;)
        ;
}
