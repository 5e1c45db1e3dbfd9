/* A table-driven state machine with enum states and a transition table of structs. */
enum state { IDLE, START, DATA, STOP, ERROR, NSTATES };
struct transition { enum state next; int (*action)(int); };

static int nop_(int x) { return x; }
static int inc(int x) { return x + 1; }
static int dbl(int x) { return x * 2; }
static int err(int x) { return -x; }

static const struct transition table[NSTATES][2] = {
    [IDLE] = {{IDLE, nop_}, {START, inc}},
    [START] = {{DATA, dbl}, {ERROR, err}},
    [DATA] = {{DATA, inc}, {STOP, nop_}},
    [STOP] = {{IDLE, nop_}, {ERROR, err}},
    [ERROR] = {{IDLE, nop_}, {IDLE, nop_}},
};

int run(const unsigned char *input, int n)
{
    enum state s = IDLE;
    int acc = 0;
    for (int i = 0; i < n; i++) {
        const struct transition *t = &table[s][input[i] & 1];
        acc = t->action(acc);
        s = t->next;
    }
    return acc * 10 + (int)s;
}
