// SPDX-License-Identifier: GPL-2.0-or-later
/* port.c - The table of a gateway's ports: ids, and the lock that lets workers use them */

#include <errno.h>
#include <string.h>

#include "port.h"

/*
 * Writers are preferred: a worker under full load takes the read lock for every burst, and
 * with the default (readers first) a guest connecting could wait as long as the load lasts.
 * Readers never take it twice in a row, which is what a writer-first lock forbids.
 */
int port_table_init(struct port_table *t)
{
	pthread_rwlockattr_t attr;
	int r;

	memset(t, 0, sizeof(*t));
	r = pthread_rwlockattr_init(&attr);
	if (r)
		return -r;
	r = pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	if (!r)
		r = pthread_rwlock_init(&t->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	return -r;
}

void port_table_destroy(struct port_table *t)
{
	pthread_rwlock_destroy(&t->lock);
}

/**
 * port_table_add() - Give @port the first free id
 * @t:		table, write-locked (or not shared yet)
 * @port:	port; its @id is set
 *
 * Return: the id, or -1 with errno ENOSPC when every slot is taken
 */
int port_table_add(struct port_table *t, struct qdes_port *port)
{
	unsigned int i;

	for (i = 0; i < PORT_MAX; i++) {
		if (!t->slot[i]) {
			t->slot[i] = port;
			port->id = (uint16_t)i;
			if (i >= t->end)
				t->end = i + 1;
			return (int)i;
		}
	}
	errno = ENOSPC;
	return -1;
}

/* Free @port's slot (@t write-locked); a port not in the table is left alone */
void port_table_remove(struct port_table *t, struct qdes_port *port)
{
	if (port_table_get(t, port->id) != port)
		return;
	t->slot[port->id] = NULL;
	while (t->end && !t->slot[t->end - 1])
		t->end--;
}

/* The locks cannot fail as used here (no recursion, initialised): their result is not news */
void port_table_rdlock(struct port_table *t)
{
	(void)pthread_rwlock_rdlock(&t->lock);
}

void port_table_wrlock(struct port_table *t)
{
	(void)pthread_rwlock_wrlock(&t->lock);
}

void port_table_unlock(struct port_table *t)
{
	(void)pthread_rwlock_unlock(&t->lock);
}
