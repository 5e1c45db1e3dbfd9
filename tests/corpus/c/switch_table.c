/* Dense and sparse switches: jump tables (ldrls pc, [pc, rN, lsl #2]) and compare chains. */
int dense(int x)
{
    switch (x) {
    case 0: return 11; case 1: return 23; case 2: return 5; case 3: return 99;
    case 4: return -4; case 5: return 7; case 6: return 1000; case 7: return 3;
    default: return 0;
    }
}

int sparse(int x)
{
    switch (x) {
    case 3: return 1; case 100: return 2; case 1000: return 3; case 40000: return 4;
    case -7: return 5; default: return 6;
    }
}

volatile int sink;

void _start(void)
{
    for (int i = -8; i < 16; i++)
        sink += dense(i) + sparse(i * 100);
    for (;;)
        ;
}
