/* Arrays: 2-D indexing, const tables in .rodata, zero-initialised arrays in .bss. */
static const unsigned short primes[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47};
int matrix[8][8];
unsigned char bytes[37];
long long wide[5] = {1, -1, 0x123456789abcdefLL, 0, 42};

int trace(void)
{
    int t = 0;
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++)
            matrix[i][j] = primes[(i * 8 + j) % 15] * (i - j);
    for (int i = 0; i < 8; i++)
        t += matrix[i][i] + matrix[i][7 - i];
    for (unsigned i = 0; i < sizeof bytes; i++)
        bytes[i] = (unsigned char)(t >> (i & 7));
    return t + (int)wide[2];
}
