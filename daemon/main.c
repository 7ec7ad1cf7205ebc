/* main.c - placeholder until the CLI lands. */
#include <stdio.h>
int main(void)
{
	fputs("stalkerwatch: not built yet\n", stderr);
	return 2;
}
