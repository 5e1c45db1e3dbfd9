/* Copies and clears the compiler may turn into __aeabi_memcpy/memset calls or ldm/stm runs. */
struct big { int v[32]; char tag[16]; };
struct big src = {{1, 2, 3}, "source"};
struct big dst;

void copy(void) { dst = src; }
void clear(struct big *b) { *b = (struct big){0}; }
void fill(unsigned char *p, int n, unsigned char v) { for (int i = 0; i < n; i++) p[i] = v; }
int checksum(const struct big *b) { int s = 0; for (int i = 0; i < 32; i++) s += b->v[i] * (i + 1); return s + b->tag[0]; }
