// SPDX-License-Identifier: GPL-2.0-or-later
/* netlink.c - Interface configuration over rtnetlink with libmnl */

/*
 * Every request goes through nl_talk(): it asks for an acknowledgement, reads until that
 * acknowledgement (or the error that replaces it) arrives, and turns a failure into one line in
 * nl->err. The kernel's extended ack is the reason this exists instead of plain mnl_cb_run():
 * libmnl 1.0.4 only copies the error number into errno and drops the text ("mtu greater than
 * device maximum") and the offset of the attribute it blames, which is what a user needs to fix
 * the configuration.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "ether.h"
#include "log.h"
#include "netlink.h"
#include "util.h"

/* IFF_UP without <net/if.h>, whose definitions clash with <linux/if.h> on older libcs */
#define NL_IFF_UP 0x1

/* Our requests are a family header and a few short attributes */
#define NL_REQ_SIZE 512
/*
 * One RTM_NEWLINK reply can exceed a page (VF info, many altnames); a datagram larger than the
 * buffer is truncated and lost, so be generous, as libmnl's MNL_SOCKET_DUMP_SIZE is.
 */
#define NL_RECV_SIZE 32768

/**
 * struct nl_attr_name - how to name one attribute type of a request in an error line
 * @name:	iproute2's word for it ("mtu", "master", "local")
 * @nested:	names of the attributes nested inside it, if it is a nest we know
 */
struct nl_attr_name {
	const char *name;
	const struct nl_attr_table *nested;
};

/**
 * struct nl_attr_table - attribute names of one message family, indexed by type
 * @v:	names
 * @n:	number of entries in @v
 */
struct nl_attr_table {
	const struct nl_attr_name *v;
	unsigned int n;
};

/* One attribute per line: clang-format would pack these short entries into columns */
/* clang-format off */
static const struct nl_attr_name linkinfo_names[] = {
	[IFLA_INFO_KIND] = {"kind"},
	[IFLA_INFO_DATA] = {"data"},
	[IFLA_INFO_SLAVE_KIND] = {"slave_kind"},
	[IFLA_INFO_SLAVE_DATA] = {"slave_data"},
};
static const struct nl_attr_table linkinfo_table = {linkinfo_names, ARRAY_SIZE(linkinfo_names)};

static const struct nl_attr_name link_names[] = {
	[IFLA_ADDRESS] = {"address"},
	[IFLA_BROADCAST] = {"broadcast"},
	[IFLA_IFNAME] = {"name"},
	[IFLA_MTU] = {"mtu"},
	[IFLA_LINK] = {"link"},
	[IFLA_MASTER] = {"master"},
	[IFLA_TXQLEN] = {"txqueuelen"},
	[IFLA_OPERSTATE] = {"operstate"},
	[IFLA_LINKINFO] = {"linkinfo", &linkinfo_table},
	[IFLA_NET_NS_PID] = {"netns"},
	[IFLA_NET_NS_FD] = {"netns"},
	[IFLA_EXT_MASK] = {"ext_mask"},
	[IFLA_ALT_IFNAME] = {"altname"},
};
static const struct nl_attr_table link_table = {link_names, ARRAY_SIZE(link_names)};

static const struct nl_attr_name addr_names[] = {
	[IFA_ADDRESS] = {"address"},
	[IFA_LOCAL] = {"local"},
	[IFA_LABEL] = {"label"},
	[IFA_BROADCAST] = {"broadcast"},
	[IFA_CACHEINFO] = {"cacheinfo"},
	[IFA_FLAGS] = {"flags"},
	[IFA_RT_PRIORITY] = {"metric"},
};
static const struct nl_attr_table addr_table = {addr_names, ARRAY_SIZE(addr_names)};

static const struct nl_attr_name route_names[] = {
	[RTA_DST] = {"dst"},
	[RTA_SRC] = {"src"},
	[RTA_IIF] = {"iif"},
	[RTA_OIF] = {"oif"},
	[RTA_GATEWAY] = {"gateway"},
	[RTA_PRIORITY] = {"priority"},
	[RTA_PREFSRC] = {"prefsrc"},
	[RTA_TABLE] = {"table"},
	[RTA_MARK] = {"mark"},
	[RTA_UID] = {"uid"},
};
static const struct nl_attr_table route_table = {route_names, ARRAY_SIZE(route_names)};
/* clang-format on */

/**
 * struct nl_req - one request in flight, shared by the data and the error callback
 * @nl:		socket, and where the error line goes
 * @req:	our request, to map the kernel's attribute offset back to an attribute
 * @what:	the request in words, first part of the error line
 * @cb:		data callback for replies (GET requests), NULL if none are expected
 * @data:	argument of @cb
 * @error:	positive errno from the kernel's NLMSG_ERROR, 0 if it did not refuse
 */
struct nl_req {
	struct nl *nl;
	const struct nlmsghdr *req;
	const char *what;
	mnl_cb_t cb;
	void *data;
	int error;
};

/**
 * struct nl_ext_ack - the parts of an extended ack we report
 * @msg:	NLMSGERR_ATTR_MSG, NULL if absent
 * @offs:	NLMSGERR_ATTR_OFFS, if @has_offs
 * @miss_type:	NLMSGERR_ATTR_MISS_TYPE, if @has_miss_type
 */
struct nl_ext_ack {
	const char *msg;
	uint32_t offs;
	bool has_offs;
	uint32_t miss_type;
	bool has_miss_type;
};

/* Append to a bounded string; output past @size is cut, never overrun */
__attribute__((format(printf, 4, 5))) static void strbuf_add(char *buf, size_t size, size_t *off,
							     const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, size - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += (size_t)n;
}

/* Fill nl->err, set errno, return -1: the tail of every failure path */
__attribute__((format(printf, 3, 4))) static int nl_fail(struct nl *nl, int errnum, const char *fmt,
							 ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(nl->err, sizeof(nl->err), fmt, ap);
	va_end(ap);
	errno = errnum;
	return -1;
}

/* Family header length and attribute names for the requests we send */
static const struct nl_attr_table *req_table(const struct nlmsghdr *req, size_t *hdrlen)
{
	switch (req->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
	case RTM_GETLINK:
	case RTM_SETLINK:
		*hdrlen = sizeof(struct ifinfomsg);
		return &link_table;
	case RTM_NEWADDR:
	case RTM_DELADDR:
	case RTM_GETADDR:
		*hdrlen = sizeof(struct ifaddrmsg);
		return &addr_table;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
	case RTM_GETROUTE:
		*hdrlen = sizeof(struct rtmsg);
		return &route_table;
	}
	return NULL;
}

static void attr_name_add(const struct nl_attr_table *t, uint16_t type, char *buf, size_t size,
			  size_t *off)
{
	if (t && type < t->n && t->v[type].name)
		strbuf_add(buf, size, off, "%s", t->v[type].name);
	else
		strbuf_add(buf, size, off, "type %u", type);
}

/**
 * attr_name_at() - Name the attribute of our request that a byte offset falls into
 * @req:	our request
 * @a:		first attribute of the stream to search
 * @end:	end of that stream
 * @offs:	byte offset from the start of @req (NLMSGERR_ATTR_OFFS)
 * @t:		names of the attribute types in this stream, NULL if unknown
 * @buf:	name goes here, nests as "linkinfo/kind"
 * @size:	size of @buf
 * @off:	current length of @buf
 *
 * The kernel blames an attribute by its position in the message we sent, not by type, because
 * the same type can occur in several nests. Walking our own copy turns the position back into
 * a name. Nests are descended when the offset points inside one's payload.
 *
 * Return: true if an attribute at @offs was found
 */
static bool attr_name_at(const struct nlmsghdr *req, const struct nlattr *a, const char *end,
			 uint32_t offs, const struct nl_attr_table *t, char *buf, size_t size,
			 size_t *off)
{
	for (; mnl_attr_ok(a, (int)(end - (const char *)a)); a = mnl_attr_next(a)) {
		size_t start = (size_t)((const char *)a - (const char *)req);
		uint16_t type = mnl_attr_get_type(a);
		const struct nl_attr_table *sub = NULL;

		if (offs < start || offs >= start + MNL_ALIGN(a->nla_len))
			continue;
		attr_name_add(t, type, buf, size, off);
		if (t && type < t->n)
			sub = t->v[type].nested;
		if (offs >= start + MNL_ATTR_HDRLEN && (sub || (a->nla_type & NLA_F_NESTED))) {
			size_t before = *off;

			strbuf_add(buf, size, off, "/");
			if (!attr_name_at(req, mnl_attr_get_payload(a),
					  (const char *)a + a->nla_len, offs, sub, buf, size,
					  off)) {
				*off = before;
				if (before < size)
					buf[before] = '\0';
			}
		}
		return true;
	}
	return false;
}

/* Kernel text goes into a one-line message: no control characters from it */
static void copy_printable(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < size && src[i]; i++)
		dst[i] = (src[i] < 0x20 || src[i] == 0x7f) ? '?' : src[i];
	dst[i] = '\0';
}

static int ext_ack_attr_cb(const struct nlattr *a, void *data)
{
	struct nl_ext_ack *ack = data;

	/* A malformed TLV costs us the detail, not the error itself: skip it */
	switch (mnl_attr_get_type(a)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			ack->msg = mnl_attr_get_str(a);
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			ack->offs = mnl_attr_get_u32(a);
			ack->has_offs = true;
		}
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			ack->miss_type = mnl_attr_get_u32(a);
			ack->has_miss_type = true;
		}
		break;
	}
	return MNL_CB_OK;
}

/**
 * ext_ack_parse() - Read the extended ack TLVs that follow an NLMSG_ERROR payload
 * @nlh:	the NLMSG_ERROR message
 * @ack:	what was found
 *
 * The TLVs come after struct nlmsgerr and the echoed request: all of it, or with NLM_F_CAPPED
 * (we set NETLINK_CAP_ACK) only its header, whose nlmsg_len still gives the full length.
 */
static void ext_ack_parse(const struct nlmsghdr *nlh, struct nl_ext_ack *ack)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t offset = sizeof(*e);

	memset(ack, 0, sizeof(*ack));
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < sizeof(struct nlmsghdr))
			return;
		offset += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	if (MNL_ALIGN(offset) > mnl_nlmsg_get_payload_len(nlh))
		return;
	/* Only fails on a malformed TLV, which ext_ack_attr_cb() already skips */
	mnl_attr_parse(nlh, (unsigned int)offset, ext_ack_attr_cb, ack);
}

/* NLMSG_ERROR: error 0 is the acknowledgement that ends a request, anything else its failure */
static int nl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_req *r = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nl_attr_table *t;
	struct nl_ext_ack ack;
	char detail[NL_ERRLEN], msg[NL_ERRLEN];
	size_t dlen = 0, hdrlen = 0;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	ext_ack_parse(nlh, &ack);
	if (ack.msg)
		copy_printable(msg, sizeof(msg), ack.msg);
	if (!e->error) {
		/* The kernel can warn on success, e.g. about an ignored setting */
		if (ack.msg)
			warn("%s: kernel: %s", r->what, msg);
		return MNL_CB_STOP;
	}

	r->error = e->error < 0 ? -e->error : e->error;
	detail[0] = '\0';
	if (ack.msg)
		strbuf_add(detail, sizeof(detail), &dlen, "kernel: \"%s\"", msg);
	t = req_table(r->req, &hdrlen);
	if (ack.has_offs && ack.offs < r->req->nlmsg_len) {
		const struct nlattr *first = mnl_nlmsg_get_payload_offset(r->req, hdrlen);

		strbuf_add(detail, sizeof(detail), &dlen, "%sattribute ", dlen ? ", " : "");
		if (!attr_name_at(r->req, first, mnl_nlmsg_get_payload_tail(r->req), ack.offs, t,
				  detail, sizeof(detail), &dlen))
			strbuf_add(detail, sizeof(detail), &dlen, "at offset %u", ack.offs);
	}
	if (ack.has_miss_type) {
		strbuf_add(detail, sizeof(detail), &dlen, "%smissing attribute ", dlen ? ", " : "");
		attr_name_add(t, (uint16_t)ack.miss_type, detail, sizeof(detail), &dlen);
	}
	if (detail[0])
		nl_fail(r->nl, r->error, "%s: %s (%s)", r->what, strerror(r->error), detail);
	else
		nl_fail(r->nl, r->error, "%s: %s", r->what, strerror(r->error));
	return MNL_CB_ERROR;
}

static int nl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_STOP;
}

/* Replies to our request: hand them to the request's own parser, if it expects any */
static int nl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_req *r = data;

	return r->cb ? r->cb(nlh, r->data) : MNL_CB_OK;
}

/**
 * nl_drain() - Throw away anything still queued on the socket
 * @nl:		socket
 * @buf:	scratch buffer
 * @len:	its size
 *
 * A request that failed half-way (a reply we could not parse, a truncated datagram) leaves its
 * remaining messages behind, and libmnl rejects a whole buffer over one stale sequence number:
 * without this, one bad reply would fail every request after it.
 */
static void nl_drain(struct nl *nl, char *buf, size_t len)
{
	int fd = mnl_socket_get_fd(nl->sock);

	while (recv(fd, buf, len, MSG_DONTWAIT) >= 0 || errno == EINTR)
		;
}

/**
 * nl_talk() - Send one request, read replies until its acknowledgement, report failure
 * @nl:		socket
 * @req:	request; NLM_F_REQUEST, NLM_F_ACK and the sequence number are set here
 * @cb:		called for each data message of the reply (GET requests), or NULL
 * @data:	argument of @cb
 * @fmt:	the request in words ("set mtu 70000 on ifindex 5"), printf-style
 *
 * Asking for an ack on every request, GET included, gives one way to know a request is over:
 * the NLMSG_ERROR with error 0 after the data, or with the error instead of it.
 *
 * Return: 0 on success; -1 with errno set and nl->err filled in on failure
 */
__attribute__((format(printf, 5, 6))) static int
nl_talk(struct nl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data, const char *fmt, ...)
{
	alignas(struct nlmsghdr) char buf[NL_RECV_SIZE];
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = nl_error_cb,
		[NLMSG_DONE] = nl_done_cb,
	};
	char what[NL_ERRLEN / 2];
	struct nl_req r = {.nl = nl, .req = req, .what = what, .cb = cb, .data = data};
	unsigned int portid;
	va_list ap;
	ssize_t n;
	int ret, e;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!nl->sock)
		return nl_fail(nl, EBADF, "%s: netlink socket is not open", what);

	nl_drain(nl, buf, sizeof(buf));
	/* 0 would turn off libmnl's sequence check */
	if (!++nl->seq)
		nl->seq = 1;
	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	req->nlmsg_seq = nl->seq;
	portid = mnl_socket_get_portid(nl->sock);

	n = mnl_socket_sendto(nl->sock, req, req->nlmsg_len);
	if (n < 0) {
		e = errno;
		return nl_fail(nl, e, "%s: netlink send: %s", what, strerror(e));
	}
	if ((size_t)n != req->nlmsg_len)
		return nl_fail(nl, EIO, "%s: netlink send: short write", what);

	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0) {
			e = errno;
			if (e == EINTR)
				continue;
			/* libmnl says ENOSPC for a datagram cut short by MSG_TRUNC */
			return nl_fail(nl, e, "%s: netlink receive: %s", what,
				       e == ENOSPC ? "reply too large" : strerror(e));
		}
		ret = mnl_cb_run2(buf, (size_t)n, nl->seq, portid, nl_data_cb, &r, ctl,
				  NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR) {
			e = errno;
			if (r.error) {
				errno = r.error; /* nl->err already says it all */
				return -1;
			}
			return nl_fail(nl, e, "%s: invalid netlink reply: %s", what, strerror(e));
		}
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

/**
 * nl_open() - Open an rtnetlink socket in the caller's network namespace
 * @nl:	socket state, initialised here
 *
 * Return: 0 on success; -1 with errno set and nl->err filled in on failure
 */
int nl_open(struct nl *nl)
{
	int one = 1, e;

	nl->sock = NULL;
	nl->seq = 0;
	nl->err[0] = '\0';
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock)
		return nl_fail(nl, errno, "netlink socket: %s", strerror(errno));

	/*
	 * Extended acks carry the kernel's reason and the attribute at fault; capped acks keep
	 * the echo of our request out of the reply, since we hold the request ourselves. Kernels
	 * before 4.12 know neither: errors then come as a bare errno, which still works.
	 */
	if (mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one)) &&
	    errno != ENOPROTOOPT)
		goto fail;
	if (mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one)) &&
	    errno != ENOPROTOOPT)
		goto fail;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID))
		goto fail;
	return 0;

fail:
	e = errno;
	mnl_socket_close(nl->sock);
	nl->sock = NULL;
	return nl_fail(nl, e, "netlink socket: %s", strerror(e));
}

/**
 * nl_open_in_netns() - Open an rtnetlink socket that works on another network namespace
 * @nl:		socket state, initialised here
 * @netns_fd:	file descriptor of the target namespace (/run/netns/NAME, /proc/PID/ns/net)
 *
 * A netlink socket belongs to the namespace it was created in, for its whole life: enter the
 * target, create the socket, and come back. Only the calling thread moves, so the way back is
 * the thread's own namespace (/proc/thread-self), not the process leader's (/proc/self).
 *
 * If the way back fails, the thread is stranded in the target namespace and everything it does
 * next (the underlay sockets above all) would happen in the wrong place: that is logged as an
 * error here and must end the program; errno is then that of setns().
 *
 * Return: 0 on success; -1 with errno set and nl->err filled in on failure
 */
int nl_open_in_netns(struct nl *nl, int netns_fd)
{
	int self, ret, e;

	nl->sock = NULL;
	nl->seq = 0;
	nl->err[0] = '\0';
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return nl_fail(nl, errno, "open /proc/thread-self/ns/net: %s", strerror(errno));
	if (setns(netns_fd, CLONE_NEWNET)) {
		e = errno;
		close(self);
		return nl_fail(nl, e, "enter network namespace (fd %d): %s", netns_fd, strerror(e));
	}

	ret = nl_open(nl);
	e = errno;

	if (setns(self, CLONE_NEWNET)) {
		e = errno;
		if (!ret)
			nl_close(nl);
		close(self);
		err("cannot return to the original network namespace: %s", strerror(e));
		return nl_fail(nl, e, "cannot return to the original network namespace: %s",
			       strerror(e));
	}
	close(self);
	errno = e;
	return ret;
}

/**
 * nl_close() - Close the socket; safe on one that is closed or was never opened
 * @nl:	socket state
 */
void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

/* Start a request in a buffer of NL_REQ_SIZE bytes */
static struct nlmsghdr *nl_put_header(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	return nlh;
}

static int linkinfo_attr_cb(const struct nlattr *a, void *data)
{
	struct nl_link *out = data;

	if (mnl_attr_get_type(a) != IFLA_INFO_KIND)
		return MNL_CB_OK;
	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_ERROR;
	snprintf(out->kind, sizeof(out->kind), "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *a, void *data)
{
	struct nl_link *out = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_MTU:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		out->mtu = mnl_attr_get_u32(a);
		break;
	case IFLA_MASTER:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		out->master = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		snprintf(out->name, sizeof(out->name), "%s", mnl_attr_get_str(a));
		break;
	case IFLA_ADDRESS:
		/* Not every link is Ethernet: IPoIB has 20 bytes, a tun in tun mode none */
		if (mnl_attr_get_payload_len(a) == sizeof(out->mac))
			memcpy(out->mac, mnl_attr_get_payload(a), sizeof(out->mac));
		break;
	case IFLA_LINKINFO:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		if (mnl_attr_parse_nested(a, linkinfo_attr_cb, out) < 0)
			return MNL_CB_ERROR;
		break;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_link *out = data;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifm)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	memset(out, 0, sizeof(*out));
	out->ifindex = ifm->ifi_index;
	out->up = ifm->ifi_flags & NL_IFF_UP;
	return mnl_attr_parse(nlh, sizeof(*ifm), link_attr_cb, out);
}

/* RTM_GETLINK by name (@ifname) or by index; the reply answers both the same way */
static int link_get(struct nl *nl, const char *ifname, int ifindex, struct nl_link *out)
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_put_header(buf, RTM_GETLINK, 0);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	char what[40];
	int ret;

	if (ifname) {
		/* IFNAMSIZ, NUL included: the kernel would only say "Invalid argument" */
		if (!*ifname || strlen(ifname) >= sizeof(out->name))
			return nl_fail(nl, EINVAL, "link '%.*s': invalid interface name", 64,
				       ifname);
		snprintf(what, sizeof(what), "link %s", ifname);
		mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	} else {
		snprintf(what, sizeof(what), "link ifindex %d", ifindex);
		ifm->ifi_index = ifindex;
	}
	ifm->ifi_family = AF_UNSPEC;
	/* Counters are most of a link message and we do not read them */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);

	memset(out, 0, sizeof(*out));
	ret = nl_talk(nl, nlh, link_cb, out, "%s", what);
	if (ret)
		return ret;
	if (out->ifindex <= 0)
		return nl_fail(nl, EPROTO, "%s: no link in the kernel's reply", what);
	return 0;
}

/**
 * nl_link_get() - Look up a link by name
 * @nl:		socket
 * @ifname:	interface name
 * @out:	what the kernel says about it
 *
 * Return: 0 on success; -1 with errno set and nl->err filled in, errno ENODEV if there is no
 * such link ("link qdes0: No such device")
 */
int nl_link_get(struct nl *nl, const char *ifname, struct nl_link *out)
{
	return link_get(nl, ifname, 0, out);
}

/**
 * nl_link_get_by_index() - Look up a link by interface index
 * @nl:		socket
 * @ifindex:	interface index
 * @out:	what the kernel says about it
 *
 * Return: 0 on success; -1 with errno set (ENODEV if missing) and nl->err filled in
 */
int nl_link_get_by_index(struct nl *nl, int ifindex, struct nl_link *out)
{
	if (ifindex <= 0)
		return nl_fail(nl, ENODEV, "link ifindex %d: %s", ifindex, strerror(ENODEV));
	return link_get(nl, NULL, ifindex, out);
}

/* RTM_SETLINK on @ifindex, changing the @change bits of the flags to @flags */
static struct nlmsghdr *setlink_start(char *buf, int ifindex, unsigned int flags,
				      unsigned int change)
{
	struct nlmsghdr *nlh = nl_put_header(buf, RTM_SETLINK, 0);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	ifm->ifi_flags = flags;
	ifm->ifi_change = change;
	return nlh;
}

/**
 * nl_link_set_mtu() - Set a link's MTU
 * @nl:		socket
 * @ifindex:	link
 * @mtu:	new MTU; the kernel checks it against the device's limits
 *
 * Return: 0 on success; -1 with errno set and nl->err filled in
 */
int nl_link_set_mtu(struct nl *nl, int ifindex, unsigned int mtu)
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = setlink_start(buf, ifindex, 0, 0);

	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nl_talk(nl, nlh, NULL, NULL, "set mtu %u on ifindex %d", mtu, ifindex);
}

/**
 * nl_link_set_mac() - Set a link's Ethernet address
 * @nl:		socket
 * @ifindex:	link
 * @mac:	new address
 *
 * Return: 0 on success; -1 with errno set and nl->err filled in
 */
int nl_link_set_mac(struct nl *nl, int ifindex, const uint8_t mac[6])
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = setlink_start(buf, ifindex, 0, 0);
	char s[MAC_STRLEN];

	mnl_attr_put(nlh, IFLA_ADDRESS, ETH_ALEN_, mac);
	return nl_talk(nl, nlh, NULL, NULL, "set address %s on ifindex %d", mac_str(mac, s),
		       ifindex);
}

/**
 * nl_link_set_arp_notify() - Have the kernel announce a link's IPv4 addresses when it comes up
 * @nl:		socket
 * @ifindex:	link
 *
 * net.ipv4.conf.IFNAME.arp_notify = 1, over netlink (IFLA_AF_SPEC, AF_INET, IFLA_INET_CONF): a
 * gratuitous ARP for each address at NETDEV_UP and on a change of MAC, which moves the
 * neighbours' cache entries at once instead of after their timeouts. IPv6 has no such netlink
 * attribute (its devconf is read-only there); ndisc_notify is set through /proc.
 *
 * Return: 0 on success; -1 with errno set and nl->err filled in
 */
int nl_link_set_arp_notify(struct nl *nl, int ifindex)
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = setlink_start(buf, ifindex, 0, 0);
	struct nlattr *spec, *inet, *conf;

	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	inet = mnl_attr_nest_start(nlh, AF_INET);
	conf = mnl_attr_nest_start(nlh, IFLA_INET_CONF);
	mnl_attr_put_u32(nlh, IPV4_DEVCONF_ARP_NOTIFY, 1);
	mnl_attr_nest_end(nlh, conf);
	mnl_attr_nest_end(nlh, inet);
	mnl_attr_nest_end(nlh, spec);
	return nl_talk(nl, nlh, NULL, NULL, "set arp_notify on ifindex %d", ifindex);
}

/**
 * nl_link_set_up() - Bring a link administratively up or down (IFF_UP)
 * @nl:		socket
 * @ifindex:	link
 * @up:		true for up
 *
 * Return: 0 on success; -1 with errno set and nl->err filled in
 */
int nl_link_set_up(struct nl *nl, int ifindex, bool up)
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = setlink_start(buf, ifindex, up ? NL_IFF_UP : 0, NL_IFF_UP);

	return nl_talk(nl, nlh, NULL, NULL, "set %s ifindex %d", up ? "up" : "down", ifindex);
}

/**
 * nl_link_set_master() - Make a link a port of a bridge, or release it
 * @nl:			socket
 * @ifindex:		link
 * @master_ifindex:	the bridge, in the same namespace; 0 releases the link from its master
 *
 * Return: 0 on success; -1 with errno set and nl->err filled in
 */
int nl_link_set_master(struct nl *nl, int ifindex, int master_ifindex)
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = setlink_start(buf, ifindex, 0, 0);

	if (master_ifindex < 0)
		return nl_fail(nl, EINVAL, "set master ifindex %d on ifindex %d: %s",
			       master_ifindex, ifindex, strerror(EINVAL));
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master_ifindex);
	if (!master_ifindex)
		return nl_talk(nl, nlh, NULL, NULL, "set nomaster on ifindex %d", ifindex);
	return nl_talk(nl, nlh, NULL, NULL, "set master ifindex %d on ifindex %d", master_ifindex,
		       ifindex);
}

/**
 * nl_link_set_netns() - Move a link into another network namespace
 * @nl:		socket, in the namespace the link is in now
 * @ifindex:	link
 * @netns_fd:	file descriptor of the target namespace
 * @name:	its name over there, NULL: the one it has (EEXIST if that is taken there)
 *
 * The link leaves this namespace: its ifindex here is gone, and it keeps the number over there
 * only if that is free. Look it up again by name through a socket opened in the target
 * (nl_open_in_netns()). The kernel also takes the link down on the move.
 *
 * Return: 0 on success; -1 with errno set and nl->err filled in
 */
int nl_link_set_netns(struct nl *nl, int ifindex, int netns_fd, const char *name)
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = setlink_start(buf, ifindex, 0, 0);

	if (netns_fd < 0)
		return nl_fail(nl, EBADF, "move ifindex %d to netns fd %d: %s", ifindex, netns_fd,
			       strerror(EBADF));
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nl_talk(nl, nlh, NULL, NULL, "move ifindex %d to netns fd %d%s%s", ifindex, netns_fd,
		       name ? " as " : "", name ? name : "");
}

/* RTM_NEWADDR / RTM_DELADDR of @p on @ifindex; @verb names it in the error line */
static int addr_change(struct nl *nl, uint16_t type, uint16_t flags, const char *verb, int ifindex,
		       const struct qdes_prefix *p)
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_put_header(buf, type, flags);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	char s[INET6_ADDRSTRLEN + 8];
	size_t alen;

	prefix_str(p, s, sizeof(s));
	if (p->family == AF_INET && p->len <= 32) {
		alen = sizeof(p->addr.v4);
	} else if (p->family == AF_INET6 && p->len <= 128) {
		alen = sizeof(p->addr.v6);
	} else {
		return nl_fail(nl, EAFNOSUPPORT, "%s address on ifindex %d: invalid prefix", verb,
			       ifindex);
	}
	ifa->ifa_family = (uint8_t)p->family;
	ifa->ifa_prefixlen = p->len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	/*
	 * IFA_LOCAL is the address of the interface, IFA_ADDRESS the peer's on point-to-point
	 * links: the same value makes it an ordinary address on both families, as `ip` sends.
	 * No IFA_F_NODAD: duplicate address detection on the segment is wanted.
	 */
	mnl_attr_put(nlh, IFA_LOCAL, alen, &p->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, &p->addr);
	return nl_talk(nl, nlh, NULL, NULL, "%s address %s on ifindex %d", verb, s, ifindex);
}

/**
 * nl_addr_add() - Add an IPv4 or IPv6 address with its prefix length to a link
 * @nl:		socket
 * @ifindex:	link
 * @p:		address and prefix length
 *
 * The user asked for this address, so one that is already there is an error too (EEXIST,
 * "add address 10.42.0.1/24 on ifindex 5: File exists"), not silently accepted: it may belong to
 * another interface's configuration or to an earlier instance still running.
 *
 * Return: 0 on success; -1 with errno set and nl->err filled in
 */
int nl_addr_add(struct nl *nl, int ifindex, const struct qdes_prefix *p)
{
	return addr_change(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, "add", ifindex, p);
}

/**
 * nl_addr_del() - Remove an address from a link
 * @nl:		socket
 * @ifindex:	link
 * @p:		address and prefix length
 *
 * Return: 0 on success; -1 with errno set (EADDRNOTAVAIL if it is not there) and nl->err
 */
int nl_addr_del(struct nl *nl, int ifindex, const struct qdes_prefix *p)
{
	return addr_change(nl, RTM_DELADDR, 0, "delete", ifindex, p);
}

/**
 * struct nl_route - the parts of an RTM_NEWROUTE reply we read
 * @seen:	a route came back
 * @type:	rtm_type: RTN_UNICAST, RTN_MULTICAST, RTN_UNREACHABLE...
 * @oif:	RTA_OIF, 0 if absent
 */
struct nl_route {
	bool seen;
	unsigned char type;
	int oif;
};

static int route_attr_cb(const struct nlattr *a, void *data)
{
	struct nl_route *rt = data;

	if (mnl_attr_get_type(a) != RTA_OIF)
		return MNL_CB_OK;
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return MNL_CB_ERROR;
	rt->oif = (int)mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_route *rt = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	rt->seen = true;
	rt->type = rtm->rtm_type;
	return mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, rt);
}

/*
 * A lookup that ends on a blackhole, unreachable or prohibit route (or on nothing) fails with
 * that route type's errno, and "Permission denied" alone reads as nonsense: say which it was.
 */
static int route_fail_hint(struct nl *nl, int e)
{
	size_t len = strlen(nl->err);
	const char *why;

	switch (e) {
	case ENETUNREACH:
		why = "no route";
		break;
	case EHOSTUNREACH:
		why = "unreachable route";
		break;
	case EINVAL:
		why = "blackhole route";
		break;
	case EACCES:
		why = "prohibit route";
		break;
	default:
		why = NULL;
		break;
	}
	if (why)
		snprintf(nl->err + len, sizeof(nl->err) - len, " (%s)", why);
	errno = e;
	return -1;
}

/**
 * nl_route_get_oif() - Which interface would the kernel send to this destination from?
 * @nl:		socket
 * @dst:	destination; unicast or multicast, IPv4 or IPv6 (a scope id is passed as oif)
 * @ifindex:	output interface of the route the kernel chose
 *
 * This is `ip route get`: for a multicast group the kernel answers with the route it would use
 * to send there (224.0.0.0/4, or the default route), which picks the underlay device when
 * --dev is not given.
 *
 * Return: 0 on success; -1 with errno set and nl->err filled in; ENETUNREACH if there is no
 * route ("route to 239.1.1.1: Network is unreachable (no route)"), EHOSTUNREACH, EINVAL or
 * EACCES if it is an unreachable, blackhole or prohibit route
 */
int nl_route_get_oif(struct nl *nl, const union qdes_sockaddr *dst, int *ifindex)
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_put_header(buf, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct nl_route rt = {0};
	char host[ADDR_STRLEN];
	int ret;

	addr_host_str(dst, host, sizeof(host));
	rtm->rtm_family = (unsigned char)dst->sa.sa_family;
	if (dst->sa.sa_family == AF_INET) {
		rtm->rtm_dst_len = 32;
		mnl_attr_put(nlh, RTA_DST, sizeof(dst->in4.sin_addr), &dst->in4.sin_addr);
	} else if (dst->sa.sa_family == AF_INET6) {
		rtm->rtm_dst_len = 128;
		mnl_attr_put(nlh, RTA_DST, sizeof(dst->in6.sin6_addr), &dst->in6.sin6_addr);
		if (dst->in6.sin6_scope_id)
			mnl_attr_put_u32(nlh, RTA_OIF, dst->in6.sin6_scope_id);
	} else {
		return nl_fail(nl, EAFNOSUPPORT, "route to %s: %s", host, strerror(EAFNOSUPPORT));
	}

	ret = nl_talk(nl, nlh, route_cb, &rt, "route to %s", host);
	if (ret)
		return route_fail_hint(nl, errno);
	if (!rt.seen)
		return nl_fail(nl, EPROTO, "route to %s: no route in the kernel's reply", host);
	/* Kernels fail the lookup rather than return such a route; do not count on it */
	if (rt.type == RTN_UNREACHABLE || rt.type == RTN_BLACKHOLE || rt.type == RTN_PROHIBIT ||
	    rt.type == RTN_THROW || rt.oif <= 0)
		return nl_fail(nl, ENETUNREACH, "route to %s: %s (no usable route, type %u)", host,
			       strerror(ENETUNREACH), rt.type);
	*ifindex = rt.oif;
	return 0;
}

/**
 * nl_route_add() - Add a route through a link (as `ip route add DST [via GW] dev IFINDEX`)
 * @nl:		socket
 * @ifindex:	link
 * @dst:	destination prefix (length 0: the default route)
 * @gw:		next hop, of @dst's family, or NULL for a route on the link
 *
 * Return: 0 on success; -1 with errno set and nl->err filled in (EEXIST: there is one)
 */
int nl_route_add(struct nl *nl, int ifindex, const struct qdes_prefix *dst,
		 const struct qdes_prefix *gw)
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_put_header(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	size_t alen = dst->family == AF_INET ? sizeof(dst->addr.v4) : sizeof(dst->addr.v6);
	char s[INET6_ADDRSTRLEN + 8], g[INET6_ADDRSTRLEN + 8] = "";

	prefix_str(dst, s, sizeof(s));
	if (gw)
		prefix_str(gw, g, sizeof(g));
	if ((dst->family != AF_INET && dst->family != AF_INET6) ||
	    dst->len > (dst->family == AF_INET ? 32 : 128) || (gw && gw->family != dst->family))
		return nl_fail(nl, EAFNOSUPPORT, "add route %s on ifindex %d: invalid route", s,
			       ifindex);
	rtm->rtm_family = (unsigned char)dst->family;
	rtm->rtm_dst_len = dst->len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (dst->len)
		mnl_attr_put(nlh, RTA_DST, alen, &dst->addr);
	if (gw)
		mnl_attr_put(nlh, RTA_GATEWAY, alen, &gw->addr);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	return nl_talk(nl, nlh, NULL, NULL, "add route %s%s%s on ifindex %d", s, gw ? " via " : "",
		       g, ifindex);
}

struct addr_find {
	int ifindex;
	const struct qdes_prefix *p;
	bool found;
};

static int addr_find_attr_cb(const struct nlattr *a, void *data)
{
	struct addr_find *f = data;
	size_t alen = f->p->family == AF_INET ? sizeof(f->p->addr.v4) : sizeof(f->p->addr.v6);

	if ((mnl_attr_get_type(a) == IFA_LOCAL || mnl_attr_get_type(a) == IFA_ADDRESS) &&
	    mnl_attr_get_payload_len(a) == alen &&
	    !memcmp(mnl_attr_get_payload(a), &f->p->addr, alen))
		f->found = true;
	return MNL_CB_OK;
}

static int addr_find_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_find *f = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return MNL_CB_OK;
	if ((int)ifa->ifa_index != f->ifindex || ifa->ifa_family != f->p->family ||
	    ifa->ifa_prefixlen != f->p->len)
		return MNL_CB_OK;
	return mnl_attr_parse(nlh, sizeof(*ifa), addr_find_attr_cb, f);
}

/**
 * nl_addr_has() - Whether a link has an address, with that prefix length
 * @nl:		socket
 * @ifindex:	link
 * @p:		address and prefix length
 * @has:	the answer
 *
 * Return: 0 on success; -1 with errno set and nl->err filled in
 */
int nl_addr_has(struct nl *nl, int ifindex, const struct qdes_prefix *p, bool *has)
{
	alignas(struct nlmsghdr) char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_put_header(buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct addr_find f = {ifindex, p, false};

	ifa->ifa_family = (uint8_t)p->family;
	if (nl_talk(nl, nlh, addr_find_cb, &f, "list addresses of ifindex %d", ifindex))
		return -1;
	*has = f.found;
	return 0;
}
