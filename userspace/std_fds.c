// SPDX-License-Identifier: GPL-2.0
/* Closed standard descriptors, filled with /dev/null (std_fds.h). */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "std_fds.h"

int std_fds_fill(void)
{
	int closed = 0;

	for (int fd = 0; fd <= 2; fd++) {
		int nfd;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* The lowest free number: this one, as the lower ones are open by now. */
		nfd = open("/dev/null", fd ? O_WRONLY : O_RDONLY);
		if (nfd < 0)
			return -errno;
		if (nfd != fd) {
			close(nfd);
			return -EBADF;
		}
		closed |= STD_FD_BIT(fd);
	}
	return closed;
}
