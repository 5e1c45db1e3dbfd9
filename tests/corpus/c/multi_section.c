/* Explicit sections: custom code and data sections, .text.* from -ffunction-sections style. */
__attribute__((section(".text.boot"))) void boot_entry(void) { }
__attribute__((section(".text.hot"))) int hot(int x) { return x * 3; }
__attribute__((section(".data.tables"))) int table_rw[4] = {1, 2, 3, 4};
__attribute__((section(".rodata.str"))) const char banner[] = "multi-section";
__attribute__((section(".bss.scratch"))) char scratch[128];
__attribute__((section(".mydata"))) int custom_data = 0x1234;
__attribute__((section(".mytext"))) int custom_code(int y) { return y - custom_data; }

int run(void) { boot_entry(); scratch[3] = banner[2]; return hot(table_rw[2]) + custom_code(5); }
