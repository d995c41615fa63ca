/* Who holds a tap: a tap on a bridge is a virtual machine's NIC only when a
 * hypervisor process (QEMU/KVM, VirtualBox, Firecracker, ...) has it open; a
 * VPN daemon's bridged tap (OpenVPN, tinc, ZeroTier) is none. The holder is
 * found in /proc: a /proc/<pid>/fd/<n> link to /dev/net/tun whose fdinfo
 * names the tap ("iff:\t<name>"), in the daemon's own network namespace
 * (tap names are per namespace). Reading another user's fds needs
 * privilege: a scan that could not read every process says so, and a tap
 * whose holder was not seen is then of unknown holder. */
#ifndef AGENT_VMHOLDER_H
#define AGENT_VMHOLDER_H

#include <stdbool.h>
#include <stddef.h>

/* True when comm (a /proc/<pid>/comm, at most 15 bytes) is a hypervisor's. */
bool vmholder_hypervisor(const char *comm);

/* The tap an fdinfo text names ("iff:\t<name>" line), into out (16 bytes).
 * Returns 0, or -1 when it names none (not a tun/tap fd, or not attached). */
int vmholder_iff(const char *buf, size_t len, char out[16]);

struct vmholder_tap {
	char ifname[16];
	char comm[16]; /* a hypervisor's when there is one among its holders */
	bool hypervisor;
};

struct vmholder {
	struct vmholder_tap *taps;
	size_t n;
	bool complete; /* every process of the namespace could be read */
};

/* Scans proc_root ("/proc" or a test tree of the same layout). Returns 0,
 * -1 when proc_root cannot be read at all (h->complete false). */
int vmholder_scan(const char *proc_root, struct vmholder *h);
void vmholder_free(struct vmholder *h);

enum vmholder_verdict {
	VMHOLDER_VM,      /* held by a hypervisor: comm set */
	VMHOLDER_OTHER,   /* held, by no hypervisor (comm set), or by nobody */
	VMHOLDER_UNKNOWN, /* not seen, and the scan was incomplete */
};
enum vmholder_verdict vmholder_of(const struct vmholder *h, const char *ifname,
                                  const char **comm);

#endif
