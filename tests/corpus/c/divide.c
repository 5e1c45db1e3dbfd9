/* Integer division and modulo by constants and variables (__aeabi_idiv / uidivmod calls). */
int divs(int a, int b) { return a / b + a % b; }
unsigned divu(unsigned a, unsigned b) { return a / b + a % b; }
int by_const(int a) { return a / 7 + a % 10 + a / 16 + (unsigned)a / 3u; }
int run(void)
{
    int t = 0;
    for (int i = -50; i < 50; i += 3)
        t += divs(i * 1000, (i & 7) + 1) + (int)divu((unsigned)i, 13u) + by_const(i);
    return t;
}
