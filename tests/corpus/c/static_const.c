/* Static and const data of every size and alignment; local statics. */
static const unsigned char c8[] = {1, 2, 3};
static const unsigned short c16 = 0xbeef;
static const unsigned int c32 = 0xdeadbeef;
static const unsigned long long c64 = 0x0123456789abcdefULL;
static unsigned char d8 = 0x5a;
static unsigned short d16 = 0x1234;
static unsigned int d32 = 0x89abcdef;
static unsigned long long d64 = 42;
static int zeroed[10];
__attribute__((aligned(64))) int aligned64[4] = {1, 2, 3, 4};
__attribute__((section(".rodata.custom"))) const int in_custom = 77;

unsigned counter(void)
{
    static unsigned calls;
    static const char tag[] = "counter";
    return ++calls + tag[calls % 7];
}

unsigned long long mix(void)
{
    zeroed[d8 % 10] += c8[1];
    return c16 + c32 + c64 + d8 + d16 + d32 + d64 + zeroed[2] + aligned64[3] + in_custom + counter();
}
