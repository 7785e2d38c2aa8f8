/*
 * hello-c: a minimal berth function in C. It echoes the request body back
 * as text/plain and names the method in an X-Echo-Method header.
 *
 * Build: clang --target=wasm32-wasi -O2 -o examples/hello-c/hello.wasm examples/hello-c/hello.c
 */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
	const char *method = getenv("REQUEST_METHOD");
	char buf[16384];
	size_t n;

	fprintf(stderr, "hello-c: %s\n", method ? method : "?");
	fputs("Content-Type: text/plain\n", stdout);
	printf("X-Echo-Method: %s\n\n", method ? method : "");
	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
		if (fwrite(buf, 1, n, stdout) != n) {
			return 1;
		}
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
