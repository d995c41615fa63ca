#include "vmname.h"

#include "sc_utf8.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VMNAME_IFACES 32    /* NICs kept per libvirt domain */
#define VMNAME_DOMAINS 4096 /* libvirt status files read */
#define VMNAME_NODES 256    /* Proxmox nodes looked in */
#define VMNAME_XML_DEPTH 64 /* deeper is no domain status */

/* s[0..len) without surrounding blanks, into out when it is a valid name. */
static int set_name(const char *s, size_t len, char *out)
{
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	if (!len || len > VMNAME_MAX || !sc_utf8_label(s, len))
		return -1;
	memcpy(out, s, len);
	out[len] = 0;
	return 0;
}

/* The next line of buf: [*line, *line + *n), advancing *p. */
static bool next_line(const char **p, const char *end, const char **line, size_t *n)
{
	if (*p >= end)
		return false;
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	*line = *p;
	*n = (size_t)((nl ? nl : end) - *p);
	*p = nl ? nl + 1 : end;
	return true;
}

int vmname_pve_conf(const char *buf, size_t len, char *out)
{
	const char *p = buf, *end = buf + len, *l;
	size_t n;
	while (next_line(&p, end, &l, &n)) {
		if (n && *l == '[')
			break; /* a snapshot's or pending section: not the VM as it runs
			        */
		if (n > 5 && !memcmp(l, "name:", 5))
			return set_name(l + 5, n - 5, out);
	}
	return -1;
}

int vmname_pve_cluster(const char *buf, size_t len, char *out)
{
	const char *p = buf, *end = buf + len, *l;
	size_t n;
	while (next_line(&p, end, &l, &n)) {
		while (n && (*l == ' ' || *l == '\t'))
			l++, n--;
		if (n < 13 || memcmp(l, "cluster_name:", 13))
			continue;
		l += 13, n -= 13;
		while (n && (*l == ' ' || *l == '\t'))
			l++, n--;
		while (n && isspace((unsigned char)l[n - 1]))
			n--;
		if (!n || n > 64)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (!isalnum((unsigned char)l[i]) &&
			    (!l[i] || !strchr("-_.", l[i])))
				return -1;
		memcpy(out, l, n);
		out[n] = 0;
		return 0;
	}
	return -1;
}

/* ---- a libvirt domain XML: a tokenizer for the few elements wanted ---- */

struct xml {
	const char *p, *end;
	int depth, dom, devices, iface; /* depths of those elements, 0 when not in */
	bool in_name, name_done, name_bad;
	char name[VMNAME_MAX + 1];
	size_t nl;
	struct vmname_iface *ifs;
	int n, max;
};

static const char *find(const char *p, const char *end, const char *s)
{
	size_t k = strlen(s);
	for (; p && (size_t)(end - p) >= k; p++)
		if (!memcmp(p, s, k))
			return p;
	return NULL;
}

static void name_put(struct xml *x, const char *s, size_t n)
{
	if (x->nl + n > VMNAME_MAX) {
		x->name_bad = true;
		return;
	}
	memcpy(x->name + x->nl, s, n);
	x->nl += n;
}

/* Text inside <name>: character data with the XML entities decoded. */
static void name_text(struct xml *x, const char *s, const char *end)
{
	while (s < end && !x->name_bad) {
		if (*s != '&') {
			const char *amp = memchr(s, '&', (size_t)(end - s));
			const char *stop = amp ? amp : end;
			name_put(x, s, (size_t)(stop - s));
			s = stop;
			continue;
		}
		const char *semi = memchr(s, ';', (size_t)(end - s));
		if (!semi || semi - s > 10) {
			x->name_bad = true;
			return;
		}
		size_t k = (size_t)(semi - s - 1);
		const char *e = s + 1;
		static const struct {
			const char *ent;
			char c;
		} named[] = {{"amp", '&'},
		             {"lt", '<'},
		             {"gt", '>'},
		             {"quot", '"'},
		             {"apos", '\''}};
		unsigned long cp = 0;
		bool ok = false;
		for (size_t i = 0; i < sizeof named / sizeof *named && !ok; i++)
			if (strlen(named[i].ent) == k && !memcmp(e, named[i].ent, k))
				cp = (unsigned char)named[i].c, ok = true;
		if (!ok && k >= 2 && *e == '#') {
			bool hex = e[1] == 'x';
			ok = k > (hex ? 2u : 1u);
			for (size_t i = hex ? 2 : 1; i < k && ok; i++) {
				int c = e[i];
				ok = hex ? isxdigit(c) : isdigit(c);
				cp =
				    cp * (hex ? 16 : 10) +
				    (unsigned long)(isdigit(c) ? c - '0'
				                               : (tolower(c) - 'a' + 10));
				ok = ok && cp <= 0x10ffff;
			}
		}
		if (!ok || !cp) {
			x->name_bad = true;
			return;
		}
		char u[4];
		size_t un;
		if (cp < 0x80)
			u[0] = (char)cp, un = 1;
		else if (cp < 0x800)
			u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)),
			un = 2;
		else if (cp < 0x10000)
			u[0] = (char)(0xe0 | cp >> 12),
			u[1] = (char)(0x80 | (cp >> 6 & 0x3f)),
			u[2] = (char)(0x80 | (cp & 0x3f)), un = 3;
		else
			u[0] = (char)(0xf0 | cp >> 18),
			u[1] = (char)(0x80 | (cp >> 12 & 0x3f)),
			u[2] = (char)(0x80 | (cp >> 6 & 0x3f)),
			u[3] = (char)(0x80 | (cp & 0x3f)), un = 4;
		name_put(x, u, un);
		s = semi + 1;
	}
}

static bool is_tag(const char *t, size_t n, const char *want)
{
	return strlen(want) == n && !memcmp(t, want, n);
}

/* A MAC as libvirt writes it, lower-cased into out; -1 when it is none. */
static int mac_value(const char *v, size_t n, char out[18])
{
	if (n != 17)
		return -1;
	for (size_t i = 0; i < 17; i++) /* all checked before any is written */
		if (i % 3 == 2 ? v[i] != ':' : !isxdigit((unsigned char)v[i]))
			return -1;
	for (size_t i = 0; i < 17; i++)
		out[i] = (char)tolower((unsigned char)v[i]);
	out[17] = 0;
	return 0;
}

/* An interface name: 1 to 15 of letters, digits, '-', '_', '.'. */
static int dev_value(const char *v, size_t n, char out[16])
{
	if (!n || n > 15)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && (!v[i] || !strchr("-_.", v[i])))
			return -1;
	memcpy(out, v, n);
	out[n] = 0;
	return 0;
}

/* The value of key k (with its '=') in a netN line's "k=v,k=v" list. */
static const char *kv(const char *l, size_t n, const char *k, size_t *vn)
{
	size_t kn = strlen(k);
	for (const char *p = l, *end = l + n; p < end;) {
		const char *c = memchr(p, ',', (size_t)(end - p)), *e = c ? c : end;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if ((size_t)(e - p) >= kn && !memcmp(p, k, kn)) {
			*vn = (size_t)(e - p) - kn;
			while (*vn && isspace((unsigned char)p[kn + *vn - 1]))
				(*vn)--;
			return p + kn;
		}
		if (!c)
			break;
		p = c + 1;
	}
	return NULL;
}

int vmname_lxc_conf(const char *buf, size_t len, char *name, struct vmname_lxc_net *nets,
                    int max)
{
	const char *p = buf, *end = buf + len, *l;
	size_t n;
	int k = 0;
	*name = 0;
	while (next_line(&p, end, &l, &n)) {
		if (n && *l == '[')
			break; /* a snapshot's or pending section: not the CT as it runs
			        */
		if (n > 9 && !memcmp(l, "hostname:", 9)) {
			if (set_name(l + 9, n - 9, name))
				*name = 0;
			continue;
		}
		if (n < 5 || memcmp(l, "net", 3) || !isdigit((unsigned char)l[3]))
			continue;
		size_t i = 3;
		unsigned idx = 0;
		while (i < n && isdigit((unsigned char)l[i]) && idx < 1000)
			idx = idx * 10 + (unsigned)(l[i++] - '0');
		if (i >= n || l[i] != ':' || idx >= 1000 || k >= max)
			continue;
		struct vmname_lxc_net *t = &nets[k++];
		memset(t, 0, sizeof *t);
		t->index = idx;
		size_t vn;
		const char *v = kv(l + i + 1, n - i - 1, "hwaddr=", &vn);
		if (v && mac_value(v, vn, t->mac))
			t->mac[0] = 0;
		v = kv(l + i + 1, n - i - 1, "bridge=", &vn);
		if (v && dev_value(v, vn, t->bridge))
			t->bridge[0] = 0;
	}
	return k;
}

/* The element at the current depth ends. */
static void close_element(struct xml *x)
{
	if (x->in_name && x->depth == x->dom + 1) {
		x->in_name = false;
		x->name_done = true;
	}
	if (x->iface && x->depth == x->iface) {
		x->iface = 0;
		if (x->ifs[x->n].dev[0] || x->ifs[x->n].mac[0])
			x->n++;
	}
	if (x->devices == x->depth)
		x->devices = 0;
	x->depth--;
}

/* A start tag after its '<': its name, then its attributes, the wanted one's
 * value kept. Returns -1 on a malformed tag. */
static int start_tag(struct xml *x)
{
	const char *t = x->p;
	while (x->p < x->end && !strchr(" \t\r\n/>", *x->p))
		x->p++;
	size_t tn = (size_t)(x->p - t);
	if (!tn || ++x->depth > VMNAME_XML_DEPTH)
		return -1;
	int d = x->depth;
	const char *want = NULL;
	if (!x->dom && is_tag(t, tn, "domain"))
		x->dom = d;
	else if (x->dom && d == x->dom + 1 && is_tag(t, tn, "name") && !x->name_done)
		x->in_name = true, x->nl = 0;
	else if (x->dom && d == x->dom + 1 && is_tag(t, tn, "devices"))
		x->devices = d;
	else if (x->devices && d == x->devices + 1 && is_tag(t, tn, "interface") &&
	         x->n < x->max) {
		x->iface = d;
		memset(&x->ifs[x->n], 0, sizeof x->ifs[x->n]);
	} else if (x->iface && d == x->iface + 1 && is_tag(t, tn, "mac"))
		want = "address";
	else if (x->iface && d == x->iface + 1 && is_tag(t, tn, "target"))
		want = "dev";
	for (;;) {
		while (x->p < x->end && strchr(" \t\r\n", *x->p))
			x->p++;
		if (x->p >= x->end)
			return -1;
		if (*x->p == '>') {
			x->p++;
			return 0;
		}
		if (*x->p == '/') {
			if (x->end - x->p < 2 || x->p[1] != '>')
				return -1;
			x->p += 2;
			x->in_name = false; /* <name/>: no name */
			close_element(x);
			return 0;
		}
		const char *a = x->p;
		while (x->p < x->end && !strchr(" \t\r\n=/>", *x->p))
			x->p++;
		size_t an = (size_t)(x->p - a);
		while (x->p < x->end && strchr(" \t\r\n", *x->p))
			x->p++;
		if (!an || x->p >= x->end || *x->p++ != '=')
			return -1;
		while (x->p < x->end && strchr(" \t\r\n", *x->p))
			x->p++;
		if (x->p >= x->end || (*x->p != '"' && *x->p != '\''))
			return -1;
		char q = *x->p++;
		const char *v = x->p, *ve = memchr(v, q, (size_t)(x->end - v));
		if (!ve)
			return -1;
		x->p = ve + 1;
		if (!want || !is_tag(a, an, want))
			continue;
		struct vmname_iface *f = &x->ifs[x->n];
		if (!strcmp(want, "address"))
			(void)mac_value(v, (size_t)(ve - v), f->mac);
		else
			(void)dev_value(v, (size_t)(ve - v), f->dev);
	}
}

int vmname_libvirt_xml(const char *buf, size_t len, char *out, struct vmname_iface *ifs,
                       int max)
{
	struct xml x = {.p = buf, .end = buf + len, .ifs = ifs, .max = max < 0 ? 0 : max};
	while (x.p < x.end) {
		const char *lt = memchr(x.p, '<', (size_t)(x.end - x.p));
		if (x.in_name && x.depth == x.dom + 1)
			name_text(&x, x.p, lt ? lt : x.end);
		if (!lt)
			break;
		x.p = lt + 1;
		const char *skip_to = NULL;
		if (x.end - x.p >= 3 && !memcmp(x.p, "!--", 3))
			skip_to = "-->";
		else if (x.end - x.p >= 8 && !memcmp(x.p, "![CDATA[", 8))
			skip_to = "]]>";
		else if (x.p < x.end && *x.p == '?')
			skip_to = "?>";
		else if (x.p < x.end && *x.p == '!')
			skip_to = ">";
		if (skip_to) {
			const char *e = find(x.p, x.end, skip_to);
			if (!e)
				break;
			x.p = e + strlen(skip_to);
			continue;
		}
		if (x.p < x.end && *x.p == '/') {
			const char *gt = memchr(x.p, '>', (size_t)(x.end - x.p));
			if (!gt || x.depth == 0)
				break;
			x.p = gt + 1;
			bool dom_ends = x.depth == x.dom;
			close_element(&x);
			if (dom_ends)
				break; /* the domain is all that is wanted */
			continue;
		}
		if (start_tag(&x))
			break;
	}
	if (!x.name_done || x.name_bad || set_name(x.name, x.nl, out))
		return -1;
	return x.n;
}

char *vmname_read_file(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return NULL;
	struct stat st;
	char *b = NULL;
	/* A FIFO would block, a device never end: regular files only. /etc/pve is
	 * a FUSE file system whose sizes are right, sysfs's are not read here. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size <= max) {
		/* one byte more than the size, to see a file that grew past max */
		size_t cap = (size_t)st.st_size < max ? (size_t)st.st_size + 1 : max + 1,
		       n = 0;
		ssize_t r = 0;
		if ((b = malloc(cap + 1)))
			while (n < cap && (r = read(fd, b + n, cap - n)) > 0)
				n += (size_t)r;
		if (b && (n > max || r < 0)) {
			free(b);
			b = NULL;
		} else if (b) {
			b[n] = 0;
			*len = n;
		}
	}
	close(fd);
	return b;
}

/* ---- the roots ---- */

struct vmname_domain {
	char name[VMNAME_MAX + 1];
	int n;
	struct vmname_iface ifs[VMNAME_IFACES];
};

struct vmname_dir {
	const char *pve, *libvirt;
	char cluster[65];
	bool has_cluster, libvirt_read;
	struct vmname_domain *doms;
	size_t n_doms;
	char scratch[VMNAME_MAX + 1];
};

struct vmname_dir *vmname_open(const char *pve_root, const char *libvirt_root)
{
	struct vmname_dir *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->pve = pve_root && *pve_root ? pve_root : NULL;
	d->libvirt = libvirt_root && *libvirt_root ? libvirt_root : NULL;
	char path[PATH_MAX];
	size_t len;
	if (d->pve &&
	    snprintf(path, sizeof path, "%s/corosync.conf", d->pve) < (int)sizeof path) {
		char *b = vmname_read_file(path, VMNAME_FILE_MAX, &len);
		d->has_cluster = b && vmname_pve_cluster(b, len, d->cluster) == 0;
		free(b);
	}
	return d;
}

const char *vmname_cluster(struct vmname_dir *d)
{
	return d && d->has_cluster ? d->cluster : NULL;
}

/* What one Proxmox config file is read for: fn takes its bytes and says
 * whether it was what was looked for (0). */
typedef int (*pve_fn)(const char *buf, size_t len, void *arg);

static int read_conf(const char *path, pve_fn fn, void *arg)
{
	size_t len;
	char *b = vmname_read_file(path, VMNAME_FILE_MAX, &len);
	int rc = b ? fn(b, len, arg) : -1;
	free(b);
	return rc;
}

/* <pve>/<dir>/<vmid>.conf, else a node's (<pve>/nodes/<node>/<dir>): the
 * local node's directory is a link to its own; a guest being migrated, or a
 * tree without the link, has its config under another node's. */
static int pve_conf(struct vmname_dir *d, const char *dir, uint32_t vmid, pve_fn fn,
                    void *arg)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/%s/%u.conf", d->pve, dir, vmid) <
	        (int)sizeof path &&
	    read_conf(path, fn, arg) == 0)
		return 0;
	snprintf(path, sizeof path, "%s/nodes", d->pve);
	DIR *nodes = opendir(path);
	struct dirent *e;
	int rc = -1;
	for (int i = 0; nodes && rc && i < VMNAME_NODES && (e = readdir(nodes)); i++)
		if (e->d_name[0] != '.' &&
		    snprintf(path, sizeof path, "%s/nodes/%s/%s/%u.conf", d->pve,
		             e->d_name, dir, vmid) < (int)sizeof path)
			rc = read_conf(path, fn, arg);
	if (nodes)
		closedir(nodes);
	return rc;
}

static int qemu_name(const char *buf, size_t len, void *out)
{
	return vmname_pve_conf(buf, len, out);
}

static const char *pve_name(struct vmname_dir *d, uint32_t vmid)
{
	return pve_conf(d, "qemu-server", vmid, qemu_name, d->scratch) ? NULL
	                                                               : d->scratch;
}

#define VMNAME_LXC_NETS 32 /* netN lines read per container */

struct lxc_want {
	char *name;
	unsigned net;
	char *mac;
};

static int lxc_read(const char *buf, size_t len, void *arg)
{
	struct lxc_want *w = arg;
	struct vmname_lxc_net nets[VMNAME_LXC_NETS];
	int n = vmname_lxc_conf(buf, len, w->name, nets, VMNAME_LXC_NETS);
	for (int i = 0; i < n; i++)
		if (nets[i].index == w->net)
			memcpy(w->mac, nets[i].mac, sizeof nets[i].mac);
	return 0; /* the file is there: a container's */
}

int vmname_lxc(struct vmname_dir *d, uint32_t vmid, unsigned net, const char **name,
               char mac[18])
{
	*name = NULL;
	mac[0] = 0;
	if (!d || !d->pve)
		return -1;
	struct lxc_want w = {d->scratch, net, mac};
	if (pve_conf(d, "lxc", vmid, lxc_read, &w))
		return -1;
	if (d->scratch[0])
		*name = d->scratch;
	return 0;
}

static void libvirt_read(struct vmname_dir *d)
{
	d->libvirt_read = true;
	DIR *dir = opendir(d->libvirt);
	if (!dir)
		return;
	struct dirent *e;
	size_t cap = 0;
	for (int i = 0; i < VMNAME_DOMAINS && (e = readdir(dir)); i++) {
		size_t k = strlen(e->d_name), len;
		char path[PATH_MAX];
		if (k < 5 || strcmp(e->d_name + k - 4, ".xml") ||
		    snprintf(path, sizeof path, "%s/%s", d->libvirt, e->d_name) >=
		        (int)sizeof path)
			continue;
		if (d->n_doms == cap) {
			size_t c = cap ? cap * 2 : 8;
			struct vmname_domain *g = realloc(d->doms, c * sizeof *g);
			if (!g)
				break;
			d->doms = g;
			cap = c;
		}
		char *b = vmname_read_file(path, VMNAME_FILE_MAX, &len);
		struct vmname_domain *v = &d->doms[d->n_doms];
		if (b && (v->n = vmname_libvirt_xml(b, len, v->name, v->ifs,
		                                    VMNAME_IFACES)) >= 0)
			d->n_doms++;
		free(b);
	}
	closedir(dir);
}

const char *vmname_find(struct vmname_dir *d, int has_vmid, uint32_t vmid,
                        const char *ifname, char *const *macs, size_t n_macs)
{
	if (!d)
		return NULL;
	if (has_vmid && d->pve) {
		const char *n = pve_name(d, vmid);
		if (n)
			return n;
	}
	if (!d->libvirt)
		return NULL;
	if (!d->libvirt_read)
		libvirt_read(d);
	for (size_t i = 0; i < d->n_doms; i++) /* by the tap, as libvirt names it */
		for (int j = 0; j < d->doms[i].n; j++)
			if (ifname && !strcmp(d->doms[i].ifs[j].dev, ifname))
				return d->doms[i].name;
	for (size_t i = 0; i < d->n_doms; i++) /* else by a MAC behind it */
		for (int j = 0; j < d->doms[i].n; j++)
			for (size_t m = 0; m < n_macs; m++)
				if (d->doms[i].ifs[j].mac[0] &&
				    !strcmp(d->doms[i].ifs[j].mac, macs[m]))
					return d->doms[i].name;
	return NULL;
}

void vmname_close(struct vmname_dir *d)
{
	if (!d)
		return;
	free(d->doms);
	free(d);
}
