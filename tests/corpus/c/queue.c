/* A ring buffer and a linked list with pointer manipulation. */
#define N 16
struct ring { unsigned head, tail; int slots[N]; };
struct node { struct node *next; int value; };

static struct ring r;
static struct node pool[8];
static struct node *free_list;

int push(int v) { if (r.head - r.tail == N) return -1; r.slots[r.head++ % N] = v; return 0; }
int pop(int *v) { if (r.head == r.tail) return -1; *v = r.slots[r.tail++ % N]; return 0; }

void init_pool(void) { for (int i = 0; i < 8; i++) { pool[i].next = free_list; free_list = &pool[i]; } }
struct node *alloc(int v) { struct node *n = free_list; if (n) { free_list = n->next; n->value = v; } return n; }

int run(void)
{
    int s = 0, v;
    init_pool();
    for (int i = 0; i < 40; i++) { push(i); if (i & 1) { pop(&v); s += v; } }
    struct node *list = 0;
    for (int i = 0; i < 10; i++) { struct node *n = alloc(i); if (n) { n->next = list; list = n; } }
    for (; list; list = list->next) s += list->value;
    return s;
}
