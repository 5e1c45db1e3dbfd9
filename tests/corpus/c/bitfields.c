/* Bitfields: packing, signed fields, read-modify-write. */
struct regs {
    unsigned enable : 1;
    unsigned mode : 3;
    signed offset : 5;
    unsigned : 2;
    unsigned count : 12;
    unsigned char tail;
};

struct regs dev = {1, 5, -3, 100, 9};

int decode(struct regs r) { return r.enable + r.mode * 10 + r.offset * 100 + r.count + r.tail; }

void bump(struct regs *r)
{
    r->count++;
    r->offset = r->offset < 15 ? r->offset + 1 : -16;
    r->mode ^= 7;
}

int run(void)
{
    int t = 0;
    for (int i = 0; i < 40; i++) {
        bump(&dev);
        t += decode(dev);
    }
    return t;
}
