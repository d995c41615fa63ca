#include "lldp_local.h"
#include "sc_log.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void lldp_local_addr(const char *ifname, char *out, size_t outlen)
{
	struct ifaddrs *ifa, *p;
	out[0] = 0;
	if (getifaddrs(&ifa))
		return;
	for (p = ifa; p; p = p->ifa_next)
		if (p->ifa_addr && p->ifa_addr->sa_family == AF_INET &&
		    !strcmp(p->ifa_name, ifname)) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)p->ifa_addr)->sin_addr,
			          out, (socklen_t)outlen);
			break;
		}
	freeifaddrs(ifa);
}

int lldp_local_collect(const char *socket, struct sink *s)
{
	int fds[2];
	if (access("/usr/sbin/lldpcli", X_OK)) {
		sc_debug("lldp: lldpcli is not installed; no local LLDP");
		return 0;
	}
	if (pipe(fds))
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		int devnull = open("/dev/null", 1);
		if (devnull >= 0)
			dup2(devnull, 2);
		if (socket && *socket)
			execl("/usr/sbin/lldpcli", "lldpcli", "-u", socket, "-f", "json",
			      "show", "neighbors", (char *)NULL);
		else
			execl("/usr/sbin/lldpcli", "lldpcli", "-f", "json", "show",
			      "neighbors", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	ssize_t r;
	while (buf && (r = read(fds[0], buf + len, cap - len)) > 0) {
		len += (size_t)r;
		if (len == cap) {
			if (cap >= (8u << 20))
				break;
			char *g = realloc(buf, cap * 2);
			if (!g)
				break;
			buf = g;
			cap *= 2;
		}
	}
	close(fds[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	if (!buf)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		sc_debug("lldp: lldpcli failed (is lldpd running here?); no local LLDP");
		free(buf);
		return 0;
	}
	int n = lldp_json_emit(buf, len, lldp_local_addr, s);
	free(buf);
	if (n < 0)
		sc_warn("lldp: lldpcli's output is not the JSON expected");
	return n;
}
