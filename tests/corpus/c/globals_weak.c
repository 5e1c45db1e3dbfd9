/* Weak and strong symbols, aliases, visibility, constructors table. */
int strong_value = 3;
__attribute__((weak)) int weak_value = 5;
__attribute__((weak)) int weak_func(int x) { return x + 1; }
int real_impl(int x) { return x * 2; }
int alias_impl(int x) __attribute__((alias("real_impl")));
static void init_a(void) { strong_value++; }
__attribute__((used, section(".init_array"))) static void (*init_ptr)(void) = init_a;

int run(void) { return weak_func(strong_value) + alias_impl(weak_value); }
