/* Structures: copies, nested members, arrays of structs, pointers to members. */
struct point { int x, y; };
struct rect { struct point a, b; const char *name; unsigned char flags; };

static struct rect rects[4] = {
    {{0, 0}, {10, 10}, "unit", 1},
    {{-5, 3}, {7, 9}, "left", 2},
    {{100, 200}, {300, 400}, "far", 4},
    {{1, 2}, {3, 4}, "tiny", 8},
};

int area(const struct rect *r) { return (r->b.x - r->a.x) * (r->b.y - r->a.y); }

struct rect grow(struct rect r, int by)
{
    r.a.x -= by; r.a.y -= by; r.b.x += by; r.b.y += by;
    return r;
}

int total;

void _start(void)
{
    for (unsigned i = 0; i < sizeof rects / sizeof rects[0]; i++) {
        struct rect g = grow(rects[i], (int)i);
        total += area(&g) + g.flags + g.name[0];
    }
    for (;;)
        ;
}
