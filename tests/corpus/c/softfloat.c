/* Soft-float arithmetic: every operation is a call to an __aeabi_ helper. */
float fscale = 1.5f;
double dscale = 2.25;

float mixf(float a, float b) { return a * fscale + b / 3.0f - (a < b ? a : b); }

double mixd(double a, double b, int n)
{
    double acc = 0.0;
    for (int i = 0; i < n; i++)
        acc += a * i - b / (i + 1) + dscale;
    return acc > 1e6 ? 1e6 : acc;
}

int to_int(double d) { return (int)d + (int)(float)d; }
unsigned to_uint(float f) { return (unsigned)f; }
double widen(float f) { return f; }
