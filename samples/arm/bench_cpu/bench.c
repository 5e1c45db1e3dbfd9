/* bench_cpu -- a CPU-bound benchmark kernel: CRC-32, a prime sieve and an
 * integer matrix multiply, each printing a checksum.
 *
 * Bare metal on QEMU's virt board (PL011 UART at 0x09000000); start.s provides
 * the stack and exit().  SCALE sets the amount of work at compile time: the
 * default takes a few seconds in QEMU, bench_cpu_small (-DSCALE=1) a fraction
 * of a second.  No C library and no libgcc: nothing here divides (ARMv7-A has
 * no divide instruction in ARM state before the Virtualization Extensions).
 */
#include <stdint.h>

#ifndef SCALE
#define SCALE 640
#endif

#define UART0_DR ((volatile uint32_t *)0x09000000u)
#define UART0_FR ((volatile uint32_t *)0x09000018u)
#define UART_FR_TXFF (1u << 5)

static void putc_uart(char c)
{
    while (*UART0_FR & UART_FR_TXFF)
        ;
    *UART0_DR = (uint32_t)(unsigned char)c;
}

static void puts_uart(const char *s)
{
    while (*s)
        putc_uart(*s++);
}

static void puthex(uint32_t v)
{
    for (int shift = 28; shift >= 0; shift -= 4) {
        uint32_t d = (v >> shift) & 0xf;
        putc_uart((char)(d < 10 ? '0' + d : 'a' + d - 10));
    }
}

/* Decimal without division: subtract powers of ten. */
static void putdec(uint32_t v)
{
    static const uint32_t powers[] = {1000000000u, 100000000u, 10000000u, 1000000u,
                                      100000u, 10000u, 1000u, 100u, 10u, 1u};
    int started = 0;
    for (unsigned i = 0; i < sizeof powers / sizeof powers[0]; i++) {
        char digit = '0';
        while (v >= powers[i]) {
            v -= powers[i];
            digit++;
        }
        if (digit != '0' || started || powers[i] == 1) {
            putc_uart(digit);
            started = 1;
        }
    }
}

static void report(const char *name, uint32_t value)
{
    puts_uart(name);
    puts_uart(" 0x");
    puthex(value);
    putc_uart('\n');
}

/* ---- CRC-32 (IEEE 802.3, reflected, table driven) over pseudo-random data ---- */

#define CRC_BUF_SIZE 16384
static uint32_t crc_table[256];
static uint8_t crc_buf[CRC_BUF_SIZE];

static uint32_t xorshift32(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

static uint32_t bench_crc32(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
    uint32_t seed = 0x12345678u;
    for (uint32_t i = 0; i < CRC_BUF_SIZE; i++)
        crc_buf[i] = (uint8_t)xorshift32(&seed);

    uint32_t combined = 0;
    for (int round = 0; round < 4 * SCALE; round++) {
        uint32_t crc = 0xffffffffu ^ combined;
        for (uint32_t i = 0; i < CRC_BUF_SIZE; i++)
            crc = crc_table[(crc ^ crc_buf[i]) & 0xff] ^ (crc >> 8);
        combined = crc ^ 0xffffffffu;
    }
    return combined;
}

/* ---- Sieve of Eratosthenes ---- */

#define SIEVE_LIMIT 65536
static uint8_t composite[SIEVE_LIMIT];

static uint32_t bench_sieve(uint32_t *count_out)
{
    uint32_t checksum = 0, count = 0;
    for (int round = 0; round < 2 * SCALE; round++) {
        for (uint32_t i = 0; i < SIEVE_LIMIT; i++)
            composite[i] = 0;
        count = 0;
        for (uint32_t i = 2; i < SIEVE_LIMIT; i++) {
            if (composite[i])
                continue;
            count++;
            checksum = checksum * 31u + i;
            for (uint32_t j = i + i; j < SIEVE_LIMIT; j += i)
                composite[j] = 1;
        }
    }
    *count_out = count;
    return checksum;
}

/* ---- Integer matrix multiply ---- */

#define N 40
static int32_t ma[N][N], mb[N][N], mc[N][N];

static uint32_t bench_matmul(void)
{
    uint32_t seed = 0xcafef00du;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            ma[i][j] = (int32_t)(xorshift32(&seed) & 0xff) - 128;
            mb[i][j] = (int32_t)(xorshift32(&seed) & 0xff) - 128;
        }
    uint32_t checksum = 0;
    for (int round = 0; round < SCALE; round++) {
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                int32_t sum = 0;
                for (int k = 0; k < N; k++)
                    sum += ma[i][k] * mb[k][j];
                mc[i][j] = sum;
            }
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                checksum = (checksum << 1 | checksum >> 31) ^ (uint32_t)mc[i][j];
                ma[i][j] = mc[i][j] >> 12;   /* feed back so rounds differ */
            }
    }
    return checksum;
}

int main(void)
{
    puts_uart("bench_cpu: SCALE=");
    putdec(SCALE);
    putc_uart('\n');

    report("crc32 ", bench_crc32());
    uint32_t primes;
    uint32_t sieve = bench_sieve(&primes);
    report("sieve ", sieve);
    puts_uart("primes below 65536: ");
    putdec(primes);
    putc_uart('\n');
    report("matmul", bench_matmul());
    puts_uart("done\n");
    return 0;
}
