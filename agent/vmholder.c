#include "vmholder.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VMHOLDER_FDS_MAX (1u << 20) /* fd links read in one scan */

/* The processes whose comm says they run virtual machines: one table. A
 * comm is the executable's name cut to 15 bytes ("qemu-system-x86_64" is
 * "qemu-system-x86"); a trailing '*' matches any rest. Proxmox VE runs
 * "kvm", libvirt "qemu-system-*" or "qemu-kvm". */
static const char *const hypervisors[] = {
    "qemu-system-*", "qemu-kvm",   "kvm",        "qemu-dm",         "VBoxHeadless",
    "VirtualBoxVM",  "VirtualBox", "crosvm",     "cloud-hypervis*", "firecracker",
    "lkvm",          "bhyve",      "vmware-vmx",
};

bool vmholder_hypervisor(const char *comm)
{
	for (size_t i = 0; i < sizeof hypervisors / sizeof *hypervisors; i++) {
		const char *h = hypervisors[i];
		size_t k = strlen(h);
		if (h[k - 1] == '*' ? !strncmp(comm, h, k - 1) : !strcmp(comm, h))
			return true;
	}
	return false;
}

int vmholder_iff(const char *buf, size_t len, char out[16])
{
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		if (e - p > 4 && !memcmp(p, "iff:", 4)) {
			p += 4;
			while (p < e && (*p == '\t' || *p == ' '))
				p++;
			size_t n = (size_t)(e - p);
			if (!n || n > 15 || memchr(p, '/', n) || memchr(p, 0, n))
				return -1;
			for (size_t i = 0; i < n;
			     i++) /* printable ASCII: a name to report */
				if ((unsigned char)p[i] <= ' ' ||
				    (unsigned char)p[i] >= 0x7f)
					return -1;
			memcpy(out, p, n);
			out[n] = 0;
			return 0;
		}
		p = e + 1;
	}
	return -1;
}

/* A small text file's bytes, NUL-terminated; -1 when it cannot be read. */
static ssize_t slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

static int note(struct vmholder *h, const char *ifname, const char *comm)
{
	bool hv = vmholder_hypervisor(comm);
	for (size_t i = 0; i < h->n; i++)
		if (!strcmp(h->taps[i].ifname, ifname)) {
			if (hv && !h->taps[i].hypervisor) {
				snprintf(h->taps[i].comm, sizeof h->taps[i].comm, "%s",
				         comm);
				h->taps[i].hypervisor = true;
			}
			return 0;
		}
	struct vmholder_tap *g = realloc(h->taps, (h->n + 1) * sizeof *g);
	if (!g)
		return -1;
	h->taps = g;
	struct vmholder_tap *t = &h->taps[h->n++];
	snprintf(t->ifname, sizeof t->ifname, "%s", ifname);
	snprintf(t->comm, sizeof t->comm, "%s", comm);
	t->hypervisor = hv;
	return 0;
}

/* One process: its tun fds' taps. Returns -1 when it could not be read (it
 * exists but its fds or namespace are not ours to see). */
static int process(const char *proc, const char *pid, const char *netns,
                   struct vmholder *h, size_t *budget)
{
	char path[PATH_MAX], link[64], comm[32] = "", fdinfo[512], tap[16];
	if (*netns) { /* a tap of that name in another namespace is another tap */
		snprintf(path, sizeof path, "%s/%s/ns/net", proc, pid);
		ssize_t l = readlink(path, link, sizeof link - 1);
		if (l < 0)
			return errno == ENOENT ? 0 : -1;
		link[l] = 0;
		if (strcmp(link, netns))
			return 0;
	}
	snprintf(path, sizeof path, "%s/%s/fd", proc, pid);
	DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)) && rc == 0) {
		if (e->d_name[0] == '.')
			continue;
		if (!(*budget)--) {
			rc = -1; /* an unreasonable number of fds: say the scan is partial
			          */
			break;
		}
		snprintf(path, sizeof path, "%s/%s/fd/%s", proc, pid, e->d_name);
		ssize_t l = readlink(path, link, sizeof link - 1);
		if (l < 0)
			continue;
		link[l] = 0;
		if (strcmp(link, "/dev/net/tun"))
			continue;
		snprintf(path, sizeof path, "%s/%s/fdinfo/%s", proc, pid, e->d_name);
		ssize_t n = slurp(path, fdinfo, sizeof fdinfo);
		if (n < 0) {
			rc = errno == ENOENT ? 0 : -1;
			continue;
		}
		if (vmholder_iff(fdinfo, (size_t)n, tap))
			continue; /* a tun fd not attached to a device */
		if (!*comm) {
			snprintf(path, sizeof path, "%s/%s/comm", proc, pid);
			if (slurp(path, comm, 17) <= 0)
				snprintf(comm, sizeof comm, "?");
			comm[strcspn(comm, "\n")] = 0;
		}
		if (note(h, tap, comm))
			rc = -1;
	}
	closedir(d);
	return rc;
}

int vmholder_scan(const char *proc, struct vmholder *h)
{
	memset(h, 0, sizeof *h);
	char path[PATH_MAX], netns[64] = "";
	snprintf(path, sizeof path, "%s/self/ns/net", proc);
	ssize_t l = readlink(path, netns, sizeof netns - 1);
	netns[l > 0 ? l : 0] = 0;
	DIR *d = opendir(proc);
	if (!d)
		return -1;
	h->complete = true;
	size_t budget = VMHOLDER_FDS_MAX;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9' ||
		    strspn(e->d_name, "0123456789") != strlen(e->d_name))
			continue;
		if (process(proc, e->d_name, netns, h, &budget))
			h->complete = false;
	}
	closedir(d);
	return 0;
}

void vmholder_free(struct vmholder *h)
{
	free(h->taps);
	memset(h, 0, sizeof *h);
}

enum vmholder_verdict vmholder_of(const struct vmholder *h, const char *ifname,
                                  const char **comm)
{
	*comm = NULL;
	for (size_t i = 0; i < h->n; i++)
		if (!strcmp(h->taps[i].ifname, ifname)) {
			*comm = h->taps[i].comm;
			return h->taps[i].hypervisor ? VMHOLDER_VM : VMHOLDER_OTHER;
		}
	return h->complete ? VMHOLDER_OTHER : VMHOLDER_UNKNOWN;
}
