/* bench_syscall -- a system-call-heavy benchmark kernel.
 *
 * A User-mode loop makes ITERATIONS "add" system calls (svc #1); the kernel
 * adds the argument to a counter it keeps and returns the new total.  At the
 * end the task compares the kernel's total with its own and exits through the
 * kernel.  Under trap-and-emulate every svc is a trip through the hypervisor,
 * which is what this measures.
 *
 * Bare metal on QEMU's virt board; start.s has the vectors, the SVC entry and
 * enter_user().  No C library, no libgcc (nothing divides).
 */
#include <stdint.h>

#ifndef ITERATIONS
#define ITERATIONS 100000
#endif

#define UART0_DR ((volatile uint32_t *)0x09000000u)
#define UART0_FR ((volatile uint32_t *)0x09000018u)

enum { SYS_WRITE = 0, SYS_ADD = 1, SYS_EXIT = 2 };

void enter_user(void (*entry)(void), uint32_t *stack_top) __attribute__((noreturn));
void exit(int code) __attribute__((noreturn));
uint32_t syscall_dispatch(uint32_t a0, uint32_t a1, uint32_t number);

/* ---------------- kernel ---------------- */

static uint32_t kernel_total;
static uint32_t calls;

static void kputs(const char *s)
{
    while (*s) {
        while (*UART0_FR & (1u << 5))   /* TXFF */
            ;
        *UART0_DR = (uint32_t)(unsigned char)*s++;
    }
}

static void kputhex(uint32_t v)
{
    char buf[11] = "0x";
    for (int i = 0; i < 8; i++) {
        uint32_t d = (v >> (28 - 4 * i)) & 0xf;
        buf[2 + i] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    }
    buf[10] = 0;
    kputs(buf);
}

uint32_t syscall_dispatch(uint32_t a0, uint32_t a1, uint32_t number)
{
    (void)a1;
    calls++;
    switch (number) {
    case SYS_WRITE:
        kputs((const char *)a0);
        return 0;
    case SYS_ADD:
        kernel_total += a0;
        return kernel_total;
    case SYS_EXIT:
        kputs("kernel: task exited with ");
        kputhex(a0);
        kputs(" after ");
        kputhex(calls);
        kputs(" system calls\n");
        exit((int)a0);
    default:
        return (uint32_t)-1;
    }
}

/* ---------------- User task ---------------- */

static uint32_t user_stack[512] __attribute__((aligned(8)));

static inline uint32_t svc_write(const char *s)
{
    register uint32_t r0 __asm__("r0") = (uint32_t)s;
    __asm__ volatile("svc #0" : "+r"(r0) : : "memory");
    return r0;
}

static inline uint32_t svc_add(uint32_t value)
{
    register uint32_t r0 __asm__("r0") = value;
    __asm__ volatile("svc #1" : "+r"(r0) : : "memory");
    return r0;
}

static inline void __attribute__((noreturn)) svc_exit(uint32_t code)
{
    register uint32_t r0 __asm__("r0") = code;
    __asm__ volatile("svc #2" : : "r"(r0) : "memory");
    __builtin_unreachable();
}

static void format_hex(char *out, uint32_t v)
{
    for (int shift = 28; shift >= 0; shift -= 4) {
        uint32_t d = (v >> shift) & 0xf;
        *out++ = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    }
}

static void user_task(void)
{
    static char line[] = "user: kernel total 0x........, expected 0x........\n";
    uint32_t expected = 0, total = 0;

    svc_write("user: starting the system-call loop\n");
    for (uint32_t i = 0; i < ITERATIONS; i++) {
        expected += i & 0xff;
        total = svc_add(i & 0xff);
    }
    format_hex(line + 21, total);
    format_hex(line + 42, expected);
    svc_write(line);
    svc_exit(total == expected ? 0 : 1);
}

int kernel_main(void)
{
    kputs("bench_syscall: User-mode loop of system calls\n");
    enter_user(user_task, user_stack + sizeof user_stack / sizeof user_stack[0]);
}
