/* Loops of every shape: counted, while, do-while, nested with break/continue, goto. */
int collatz(unsigned n) { int s = 0; while (n != 1) { n = n & 1 ? 3 * n + 1 : n / 2; s++; } return s; }

int nested(int n)
{
    int t = 0;
    for (int i = 0; i < n; i++) {
        if (i % 3 == 0) continue;
        for (int j = i; j < n; j++) {
            if (j * i > 200) break;
            t += i ^ j;
        }
    }
    return t;
}

int digits(unsigned v) { int d = 0; do { d++; v /= 10; } while (v); return d; }

int search(const int *v, int n, int key)
{
    int i = 0;
again:
    if (i >= n) return -1;
    if (v[i] == key) goto found;
    i++;
    goto again;
found:
    return i;
}
