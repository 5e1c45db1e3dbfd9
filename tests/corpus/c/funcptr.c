/* Function pointers: tables in .data and .rodata, callbacks, indirect calls. */
typedef int (*binop)(int, int);
static int add(int a, int b) { return a + b; }
static int sub(int a, int b) { return a - b; }
static int mul(int a, int b) { return a * b; }
static int pick(int a, int b) { return a > b ? a : b; }

static const binop ops_ro[] = {add, sub, mul, pick};
binop ops_rw[] = {pick, mul, sub, add};

int fold(binop f, const int *v, int n)
{
    int acc = v[0];
    for (int i = 1; i < n; i++)
        acc = f(acc, v[i]);
    return acc;
}

int run(void)
{
    static const int data[] = {3, 1, 4, 1, 5, 9, 2, 6};
    int t = 0;
    for (int i = 0; i < 4; i++)
        t += fold(ops_ro[i], data, 8) - fold(ops_rw[i], data, 8);
    return t;
}
