/* SPDX-License-Identifier: ISC */
/*
 * securebits: print this process's securebits, which /proc does not
 * show: "0x0f noroot,noroot_locked,no_setuid_fixup,no_setuid_fixup_locked".
 * Every bit but keep_caps is inherited across fork and execve, so run by
 * a child of another process (the fake systemctl that priv runs) it
 * tells what that process locked.  Exit 1 if prctl fails.
 */
#include <sys/prctl.h>

#include <linux/securebits.h>
#include <stdio.h>

static const struct {
	int		 bit;
	const char	*name;
} bits[] = {
	{ SECURE_NOROOT, "noroot" },
	{ SECURE_NOROOT_LOCKED, "noroot_locked" },
	{ SECURE_NO_SETUID_FIXUP, "no_setuid_fixup" },
	{ SECURE_NO_SETUID_FIXUP_LOCKED, "no_setuid_fixup_locked" },
	{ SECURE_KEEP_CAPS, "keep_caps" },
	{ SECURE_KEEP_CAPS_LOCKED, "keep_caps_locked" },
	{ SECURE_NO_CAP_AMBIENT_RAISE, "no_cap_ambient_raise" },
	{ SECURE_NO_CAP_AMBIENT_RAISE_LOCKED, "no_cap_ambient_raise_locked" },
};

int
main(void)
{
	size_t	i;
	int	sb, sep = ' ';

	if ((sb = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0)) == -1) {
		perror("PR_GET_SECUREBITS");
		return 1;
	}
	printf("0x%02x", sb);
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (sb & (1 << bits[i].bit)) {
			printf("%c%s", sep, bits[i].name);
			sep = ',';
		}
	if (sb >> 8)
		printf("%cunknown 0x%x", sep, (unsigned)sb >> 8);
	putchar('\n');
	return 0;
}
