/* Sorting: insertion sort, quicksort with recursion, binary search. */
static void swap(int *a, int *b) { int t = *a; *a = *b; *b = t; }

void insertion(int *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--)
            swap(&v[j], &v[j - 1]);
}

void quick(int *v, int lo, int hi)
{
    if (lo >= hi) return;
    int p = v[(lo + hi) / 2], i = lo, j = hi;
    while (i <= j) {
        while (v[i] < p) i++;
        while (v[j] > p) j--;
        if (i <= j) swap(&v[i++], &v[j--]);
    }
    quick(v, lo, j);
    quick(v, i, hi);
}

int bsearch_(const int *v, int n, int key)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (v[mid] == key) return mid;
        if (v[mid] < key) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
}

int data[50];
int run(void)
{
    for (int i = 0; i < 50; i++) data[i] = (i * 7919) % 101;
    quick(data, 0, 49);
    insertion(data, 50);
    return bsearch_(data, 50, 42);
}
