/*
 * exit0 - what fork-exit --exec runs in the child: a static program that
 * exits at once, so an exec costs the mm teardown and a fresh small mm,
 * not dynamic linking.
 */
#include <unistd.h>

int main(void)
{
	_exit(0);
}
