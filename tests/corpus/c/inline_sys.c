/* System-level inline assembly: cp15, cps, msr/mrs, barriers, wfi, svc. */
static inline unsigned read_sctlr(void)
{
    unsigned v;
    __asm__ volatile("mrc p15, 0, %0, c1, c0, 0" : "=r"(v));
    return v;
}

static inline void write_vbar(unsigned v) { __asm__ volatile("mcr p15, 0, %0, c12, c0, 0" :: "r"(v)); }

unsigned cpsr_mode(void)
{
    unsigned v;
    __asm__ volatile("mrs %0, cpsr" : "=r"(v));
    return v & 0x1f;
}

void irq_off(void) { __asm__ volatile("cpsid i" ::: "memory"); }
void irq_on(void) { __asm__ volatile("cpsie if" ::: "memory"); }
void to_svc(void) { __asm__ volatile("cps #0x13" ::: "memory"); }
void set_c(unsigned v) { __asm__ volatile("msr cpsr_c, %0" :: "r"(v) : "memory"); }
void set_spsr(unsigned v) { __asm__ volatile("msr spsr_cxsf, %0" :: "r"(v) : "memory"); }
void barriers(void) { __asm__ volatile("dsb\n\tisb\n\tdmb ish" ::: "memory"); }
void idle(void) { __asm__ volatile("wfi"); }
void syscall(void) { __asm__ volatile("svc #0x42"); }

extern char vectors[];
void _start(void)
{
    write_vbar((unsigned)vectors);
    irq_off();
    set_c(read_sctlr() & 0xff);
    barriers();
    for (;;)
        idle();
}
char vectors[32];
