/* Unions, enums and type punning. */
enum color { RED = 1, GREEN = 2, BLUE = 4, ALL = RED | GREEN | BLUE };
union word { unsigned u; float f; unsigned char b[4]; unsigned short h[2]; };

static const char *const names[] = {[RED] = "red", [GREEN] = "green", [BLUE] = "blue"};

unsigned bits_of(float f) { union word w; w.f = f; return w.u; }
unsigned swap_halves(unsigned v) { union word w = {v}; unsigned short t = w.h[0]; w.h[0] = w.h[1]; w.h[1] = t; return w.u; }
int count(enum color c) { int n = 0; for (unsigned m = 1; m <= BLUE; m <<= 1) n += (c & m) != 0; return n; }
const char *name(enum color c) { return c <= BLUE ? names[c] : "?"; }
