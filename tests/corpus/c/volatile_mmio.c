/* Memory-mapped I/O through volatile pointers, as a UART driver does. */
#define UART0 ((volatile unsigned *)0x101f1000)
#define UARTFR (*(volatile unsigned *)0x101f1018)

void putc_(char c) { while (UARTFR & (1u << 5)) ; *UART0 = (unsigned)c; }
void puts_(const char *s) { while (*s) putc_(*s++); }
void puthex(unsigned v) { for (int i = 28; i >= 0; i -= 4) putc_("0123456789abcdef"[(v >> i) & 15]); }

void _start(void)
{
    puts_("vtrans corpus: ");
    puthex(0xc0ffee);
    putc_('\n');
    for (;;)
        ;
}
