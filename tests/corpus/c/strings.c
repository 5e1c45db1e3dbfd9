/* String literals, escapes, and hand-written string routines. */
static const char *const messages[] = {
    "hello, world\n", "tab\there", "quote \" and backslash \\", "", "\x01\x7f\xff octal \101\102",
};
char buffer[64];

unsigned my_strlen(const char *s) { unsigned n = 0; while (s[n]) n++; return n; }

char *my_strcpy(char *d, const char *s) { char *r = d; while ((*d++ = *s++)) ; return r; }

int my_strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

unsigned total_length(void)
{
    unsigned t = 0;
    for (unsigned i = 0; i < sizeof messages / sizeof *messages; i++) {
        my_strcpy(buffer, messages[i]);
        t += my_strlen(buffer) + (my_strcmp(buffer, "tab\there") == 0);
    }
    return t;
}
