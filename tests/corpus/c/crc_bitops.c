/* Bit manipulation: CRC32, popcount, rotates, clz/ctz builtins, byte swaps. */
unsigned crc32(const unsigned char *p, unsigned n)
{
    unsigned c = 0xffffffffu;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
    }
    return ~c;
}

unsigned rotl(unsigned v, unsigned s) { return (v << (s & 31)) | (v >> ((32 - s) & 31)); }
int pop(unsigned v) { int n = 0; while (v) { v &= v - 1; n++; } return n; }
int lead(unsigned v) { return v ? __builtin_clz(v) : 32; }
int trail(unsigned v) { return v ? __builtin_ctz(v) : 32; }
unsigned bswap(unsigned v) { return __builtin_bswap32(v); }
unsigned short bswap16(unsigned short v) { return __builtin_bswap16(v); }
