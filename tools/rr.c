// SPDX-License-Identifier: GPL-2.0-or-later
/* rr.c - TCP request/response rate: one connection, 1-byte request, 1-byte reply (make bench)
 *
 *   rr server ADDR PORT          answer every byte with one byte, until the client closes
 *   rr client ADDR PORT SECONDS  send a byte, wait for the reply, again; print the rate
 *
 * netperf's TCP_RR, which Debian does not ship: what a round trip costs a chatty protocol
 * (RPCs, a database, interactive shells), without the ping tool's 10 ms pacing. Both ends set
 * TCP_NODELAY, so each transaction is one segment each way.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "rr: %s: %s\n", what, strerror(errno));
	return 1;
}

static struct addrinfo *resolve(const char *host, const char *port, int passive)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = passive ? AI_PASSIVE : 0};
	struct addrinfo *ai = NULL;
	int r = getaddrinfo(host, port, &hints, &ai);

	if (r) {
		fprintf(stderr, "rr: %s:%s: %s\n", host, port, gai_strerror(r));
		return NULL;
	}
	return ai;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int server(struct addrinfo *ai)
{
	int one = 1, l, c;
	char b;
	ssize_t n;

	l = socket(ai->ai_family, SOCK_STREAM, 0);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, ai->ai_addr, ai->ai_addrlen) || listen(l, 1))
		return die("listen");
	printf("listening\n");
	fflush(stdout);
	c = accept(l, NULL, NULL);
	if (c < 0 || setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		return die("accept");
	while ((n = read(c, &b, 1)) == 1)
		if (write(c, &b, 1) != 1)
			return die("write");
	return n < 0 ? die("read") : 0;
}

static int client(struct addrinfo *ai, double secs)
{
	unsigned long long n = 0;
	double t0, t;
	int one = 1, s;
	char b = 'x';

	s = socket(ai->ai_family, SOCK_STREAM, 0);
	if (s < 0 || connect(s, ai->ai_addr, ai->ai_addrlen) ||
	    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		return die("connect");
	t0 = now();
	do {
		if (write(s, &b, 1) != 1 || read(s, &b, 1) != 1)
			return die("transaction");
		n++;
		/* the clock every 64 transactions: its cost stays out of the rate */
	} while ((n & 63) || (t = now()) - t0 < secs);
	printf("transactions %llu seconds %.3f rate %.1f\n", n, t - t0, (double)n / (t - t0));
	close(s);
	return 0;
}

int main(int argc, char *argv[])
{
	struct addrinfo *ai;
	int r;

	if (argc < 4 || (strcmp(argv[1], "server") && strcmp(argv[1], "client")) ||
	    (!strcmp(argv[1], "client") && argc < 5)) {
		fprintf(stderr, "usage: rr server ADDR PORT | rr client ADDR PORT SECONDS\n");
		return 2;
	}
	ai = resolve(argv[2], argv[3], !strcmp(argv[1], "server"));
	if (!ai)
		return 1;
	r = !strcmp(argv[1], "server") ? server(ai) : client(ai, atof(argv[4]));
	freeaddrinfo(ai);
	return r;
}
