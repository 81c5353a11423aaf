// SPDX-License-Identifier: GPL-2.0-or-later
/* macid.c - A stable MAC for a TAP we create: from the machine, the segment and the name
 *
 * A TAP that gets a new random MAC at every start leaves the neighbours' ARP and neighbour caches
 * pointing at a MAC that is gone, for as long as they take to notice (about 20 s). As systemd's
 * MACAddressPolicy=persistent does, the MAC is instead a function of the machine and the
 * interface, so a restarted member comes back as the same station. The machine id is the key of
 * an HMAC-SHA256 (it is not to be shown to the network, and HMAC does not reveal its key); the
 * message names the segment, the TAP's network namespace (netns_identify(): "" for the host's,
 * else its name under /run/netns) and the interface, so that members in namespaces of one host,
 * containers with the same interface name, or one name on two segments, differ.
 */

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "macid.h"
#include "util.h"

/* Changing it changes every derived MAC: it is part of the format, as the man page says */
#define MACID_APP "qdes-tap mac v1"

/**
 * macid_parse_machine_id() - The machine id from the text of /etc/machine-id
 * @text:	the file's contents, untrusted
 * @len:	their length
 * @id:	32 lowercase hexadecimal digits and a NUL, on success
 *
 * machine-id(5): one line of 32 lowercase hexadecimal digits. An all-zero id, or "uninitialized"
 * (a first boot that has not finished), names no machine.
 *
 * Return: 0, or -1 if @text is not a machine id
 */
int macid_parse_machine_id(const char *text, size_t len, char id[MACID_MACHINE_LEN + 1])
{
	bool nonzero = false;
	size_t i;

	if (len == MACID_MACHINE_LEN + 1 && text[MACID_MACHINE_LEN] == '\n')
		len--;
	if (len != MACID_MACHINE_LEN)
		return -1;
	for (i = 0; i < len; i++) {
		char c = text[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		nonzero |= c != '0';
		id[i] = c;
	}
	id[len] = '\0';
	return nonzero ? 0 : -1;
}

/**
 * macid_read_machine_id() - Read and check a machine-id file
 * @path:	usually /etc/machine-id
 * @id:	the id, on success
 *
 * Return: 0, or -1 with errno set (EINVAL: the file holds no machine id)
 */
int macid_read_machine_id(const char *path, char id[MACID_MACHINE_LEN + 1])
{
	char buf[MACID_MACHINE_LEN + 2];
	ssize_t n;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf));
	e = errno;
	close(fd);
	if (n < 0) {
		errno = e;
		return -1;
	}
	if (macid_parse_machine_id(buf, (size_t)n, id)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/**
 * macid_derive() - The MAC of an interface
 * @machine_id:	from macid_read_machine_id()
 * @segment:	what names the segment, e.g. "qdes 42"
 * @netns:	the namespace's name, "" for the host's
 * @ifname:	the interface name
 * @mac:	the MAC: locally administered, unicast
 *
 * The message is the fields separated by NUL bytes, so that no two tuples give one message.
 *
 * Return: 0, or -1 if libcrypto failed
 */
int macid_derive(const char *machine_id, const char *segment, const char *netns, const char *ifname,
		 uint8_t mac[ETH_ALEN_])
{
	const char *parts[] = {MACID_APP, segment, netns, ifname};
	/* the app id, a segment's name, a namespace path and an interface name */
	unsigned char msg[64 + 64 + PATH_MAX + 32], md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	size_t len = 0, i;

	for (i = 0; i < ARRAY_SIZE(parts); i++) {
		size_t n = strlen(parts[i]) + 1;

		if (n > sizeof(msg) - len)
			return -1;
		memcpy(msg + len, parts[i], n);
		len += n;
	}
	if (!HMAC(EVP_sha256(), machine_id, (int)strlen(machine_id), msg, len, md, &md_len) ||
	    md_len < ETH_ALEN_)
		return -1;
	memcpy(mac, md, ETH_ALEN_);
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
	return 0;
}
