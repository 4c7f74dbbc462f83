/*
 * setjmp/longjmp in C, lowered by clang-19 to legacy exception handling
 * (-mllvm -wasm-enable-sjlj). Exported functions take and return an int;
 * the tests call them with small inputs and compare with Node.
 *
 * The bulk functions at the end (BULK) only make the library large enough
 * to measure the translation speed on real compiler output.
 */
typedef struct { long buf[8]; } jmp_buf[1];
int setjmp(jmp_buf) __attribute__((returns_twice));
void longjmp(jmp_buf, int) __attribute__((noreturn));

static jmp_buf top;

__attribute__((noinline)) static void jump_from(int depth, int val) {
	if (depth <= 1)
		longjmp(top, val);
	jump_from(depth - 1, val);
	__asm__ volatile("" ::: "memory"); /* not a tail call */
}

/* longjmp from x calls down; setjmp sees x. */
int roundtrip(int x) {
	volatile int steps = 0;
	int r = setjmp(top);
	if (r != 0)
		return r * 10 + steps;
	steps = 1;
	if (x > 0)
		jump_from(x, x);
	return -1;
}

/* longjmp(env, 0) makes setjmp return 1. */
int zero_value(int x) {
	volatile int n = 0;
	if (setjmp(top) != 0)
		return 100 + n;
	n = x;
	jump_from(1, 0);
	return -1;
}

static jmp_buf outer_buf;

/* Its own setjmp; a longjmp to the caller's buffer must pass through. */
__attribute__((noinline)) static int inner(int x) {
	jmp_buf ib;
	volatile int v = 0;
	int r = setjmp(ib);
	if (r != 0)
		return 1000 + v + r;
	v = 5;
	if (x & 1)
		longjmp(ib, 1);
	if (x & 2)
		longjmp(outer_buf, 2);
	return v;
}

int nested(int x) {
	int r = setjmp(outer_buf);
	if (r != 0)
		return -r;
	return inner(x) + 1;
}

/* Two setjmp sites in one function. */
int two_sites(int x) {
	jmp_buf a, b;
	volatile int s = 0;
	int r = setjmp(a);
	if (r != 0) {
		s += r;
		goto second;
	}
	if (x & 1)
		longjmp(a, 3);
second:
	r = setjmp(b);
	if (r != 0)
		return s * 100 + r;
	if (x & 2)
		longjmp(b, 7);
	return s;
}

__attribute__((noinline)) static void jump_to(jmp_buf b, int v) {
	longjmp(b, v);
}

/* One setjmp reached again and again: n longjmps, the last value returned. */
int loop(int n) {
	jmp_buf b;
	volatile int i = 0;
	int r = setjmp(b);
	if (i < n) {
		i++;
		jump_to(b, i);
	}
	return r * 1000 + i;
}

/* A longjmp through three frames that each call setjmp. */
static jmp_buf chain_buf;
__attribute__((noinline)) static int level(int k, int x) {
	jmp_buf mine;
	volatile int seen = 0;
	if (setjmp(mine) != 0)
		return -1; /* never: nobody jumps to mine */
	seen = k;
	if (k == 0) {
		if (x > 0)
			longjmp(chain_buf, x + seen);
		return 7;
	}
	return level(k - 1, x) + seen;
}

int chain(int x) {
	int r = setjmp(chain_buf);
	if (r != 0)
		return 500 + r;
	return level(3, x);
}

#define BULK(n)                                                         \
	__attribute__((noinline)) int bulk##n(int x) {                  \
		jmp_buf b;                                              \
		volatile int acc = n;                                   \
		int r = setjmp(b);                                      \
		if (r != 0)                                             \
			return acc + r;                                 \
		for (int i = 0; i < (x & 7); i++) {                     \
			acc = acc * 3 + i;                              \
			if (acc % (n + 3) == 1)                         \
				jump_to(b, i + 1);                      \
			if ((acc ^ x) % 5 == 2)                         \
				acc += bulk_helper(acc, n);             \
		}                                                       \
		switch (x % 4) {                                        \
		case 0: acc += 2; break;                                \
		case 1: if (setjmp(top) == 0) acc -= 3; break;          \
		case 2: acc ^= n; break;                                \
		default: acc = acc * 7;                                 \
		}                                                       \
		return acc;                                             \
	}

__attribute__((noinline)) static int bulk_helper(int a, int n) {
	return (a >> 2) + n;
}

#define BULK8(n) BULK(n##0) BULK(n##1) BULK(n##2) BULK(n##3) BULK(n##4) BULK(n##5) BULK(n##6) BULK(n##7)
BULK8(1) BULK8(2) BULK8(3) BULK8(4) BULK8(5) BULK8(6) BULK8(7) BULK8(8)
