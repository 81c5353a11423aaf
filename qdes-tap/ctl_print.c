// SPDX-License-Identifier: GPL-2.0-or-later
/* ctl_print.c - The client's output: text for a person, JSON, Prometheus, from the same records */

/*
 * The daemon answers in JSON records only; every output form is printed from those records
 * here, so the text, -j and -o prometheus can never disagree on a value. Text follows
 * iproute2's habits: one line per entry, keyword then value.
 */

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "ctl_print.h"

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "?";
}

static long long num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static void print_peer(FILE *f, json_t *p, const char *indent)
{
	json_t *last = json_object_get(p, "last_rx");

	fprintf(f, "%speer %s macs %lld%s", indent, str(p, "peer"), num(p, "macs"),
		json_is_true(json_object_get(p, "configured")) ? "" : " seen");
	/* -s: as wg show, what went each way and when it last spoke */
	if (json_object_get(p, "rx_frames")) {
		fprintf(f, " rx %lld frames %lld bytes tx %lld frames %lld bytes",
			num(p, "rx_frames"), num(p, "rx_bytes"), num(p, "tx_frames"),
			num(p, "tx_bytes"));
		if (json_is_integer(last))
			fprintf(f, " last_rx %llds ago", (long long)json_integer_value(last));
		else
			fputs(" last_rx never", f);
		if (json_is_true(json_object_get(p, "left")))
			fputs(" left", f);
	}
	fputc('\n', f);
}

static void print_show(FILE *f, json_t *o)
{
	json_t *v;
	size_t i;

	fprintf(f, "%s: encap %s", str(o, "dev"), str(o, "encap"));
	if (json_object_get(o, "network_id"))
		fprintf(f, " network_id %lld", num(o, "network_id"));
	if (json_object_get(o, "group"))
		fprintf(f, " group %s", str(o, "group"));
	fprintf(f, " local %s mtu %lld\n", str(o, "local"), num(o, "mtu"));
	fprintf(f, "    workers %lld fdb %lld/%lld ageing %lld uptime %llds pid %lld\n",
		num(o, "workers"), num(o, "fdb_entries"), num(o, "fdb_max"), num(o, "ageing"),
		num(o, "uptime"), num(o, "pid"));
	json_array_foreach(json_object_get(o, "ports"), i, v)
	{
		fprintf(f, "    port %s %s\n", str(v, "name"), str(v, "kind"));
	}
	json_array_foreach(json_object_get(o, "peers"), i, v)
	{
		print_peer(f, v, "    ");
	}
}

static void print_fdb(FILE *f, json_t *e)
{
	if (json_object_get(e, "dev"))
		fprintf(f, "%s dev %s %s age %lld\n", str(e, "mac"), str(e, "dev"), str(e, "state"),
			num(e, "age"));
	else
		fprintf(f, "%s dst %s %s age %lld\n", str(e, "mac"), str(e, "dst"), str(e, "state"),
			num(e, "age"));
}

static void print_port(FILE *f, json_t *p)
{
	fprintf(f, "port %s kind %s id %lld macs %lld\n", str(p, "name"), str(p, "kind"),
		num(p, "id"), num(p, "macs"));
}

static void print_stats(FILE *f, json_t *o)
{
	const char *k;
	size_t i;
	json_t *v;

	json_object_foreach(json_object_get(o, "counters"), k, v)
	{
		fprintf(f, "%s %lld\n", k, (long long)json_integer_value(v));
	}
	fprintf(f, "fdb_entries %lld\nfdb_max %lld\n", num(o, "fdb_entries"), num(o, "fdb_max"));
	json_array_foreach(json_object_get(o, "peers"), i, v)
	{
		print_peer(f, v, "");
	}
}

static void print_reload(FILE *f, json_t *o)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(o, "applied"), i, v)
	{
		fprintf(f, "applied %s %s\n", str(v, "key"), str(v, "value"));
	}
	json_array_foreach(json_object_get(o, "refused"), i, v)
	{
		fprintf(f, "refused %s: %s\n", str(v, "key"), str(v, "reason"));
	}
}

/**
 * ctl_print_text() - A reply's records, for a person
 * @f:		output
 * @cmd:	the command they answer
 * @records:	array of the reply's records
 */
void ctl_print_text(FILE *f, enum ctl_cmd cmd, json_t *records)
{
	json_t *o;
	size_t i;

	json_array_foreach(records, i, o)
	{
		switch (cmd) {
		case CTL_SHOW:
			print_show(f, o);
			break;
		case CTL_FDB_SHOW:
			print_fdb(f, o);
			break;
		case CTL_PEER_SHOW:
			print_peer(f, o, "");
			break;
		case CTL_STATS:
			print_stats(f, o);
			break;
		case CTL_RELOAD:
			print_reload(f, o);
			break;
		case CTL_FDB_FLUSH:
			fprintf(f, "flushed %lld entries\n", num(o, "flushed"));
			break;
		case CTL_PORT_SHOW:
		case CTL_PORT_ADD:
			print_port(f, o);
			break;
		default:
			break;
		}
	}
}

/* Commands answered by a list; the others by one object (or nothing) */
static bool is_list(enum ctl_cmd cmd)
{
	return cmd == CTL_FDB_SHOW || cmd == CTL_PEER_SHOW || cmd == CTL_PORT_SHOW;
}

/**
 * ctl_print_json() - A reply's records as one JSON document: an array for the listing
 *		      commands (fdb show, peer show, port show), else the one object; nothing if
 *		      there is none
 * @f:		output
 * @cmd:	the command they answer
 * @records:	array of the reply's records
 * @pretty:	indented
 *
 * Return: 0, or -1 on an output error
 */
int ctl_print_json(FILE *f, enum ctl_cmd cmd, json_t *records, bool pretty)
{
	size_t flags = pretty ? JSON_INDENT(4) : JSON_COMPACT;
	json_t *doc = is_list(cmd) ? records : json_array_get(records, 0);

	if (!doc)
		return 0;
	if (json_dumpf(doc, f, flags | JSON_ENCODE_ANY))
		return -1;
	return fputc('\n', f) == EOF ? -1 : 0;
}

/**
 * ctl_print_json_text() - ctl_print_json() of records kept as the daemon wrote them
 * @f:		output
 * @cmd:	the command they answer
 * @text:	the records, compact JSON joined by commas (NULL: none)
 * @n:		how many
 *
 * Return: 0, or -1 on an output error
 */
int ctl_print_json_text(FILE *f, enum ctl_cmd cmd, const char *text, size_t n)
{
	if (is_list(cmd))
		return fprintf(f, "[%s]\n", n ? text : "") < 0 ? -1 : 0;
	/* the other commands answer with one record, or none */
	if (!n)
		return 0;
	return fprintf(f, "%s\n", text) < 0 ? -1 : 0;
}

/* Prometheus label values escape backslash, double quote and newline */
static void label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/**
 * ctl_print_prometheus() - stats in the Prometheus text exposition format
 * @f:		output
 * @stats:	the stats record
 *
 * Counters are qdes_tap_NAME_total{dev="..."}; the drop_* counters are one family,
 * qdes_tap_drops_total{dev="...",reason="..."}; FDB size and bound are gauges.
 */
void ctl_print_prometheus(FILE *f, json_t *stats)
{
	json_t *counters = json_object_get(stats, "counters"), *v;
	const char *dev = str(stats, "dev"), *k;
	bool drops = false;

	json_object_foreach(counters, k, v)
	{
		if (!strncmp(k, "drop_", 5)) {
			drops = true;
			continue;
		}
		fprintf(f, "# TYPE qdes_tap_%s_total counter\nqdes_tap_%s_total{dev=\"", k, k);
		label(f, dev);
		fprintf(f, "\"} %lld\n", (long long)json_integer_value(v));
	}
	/* One family's samples stay together: the drop counters are not contiguous in the list */
	if (drops)
		fputs("# HELP qdes_tap_drops_total Frames and datagrams dropped, by reason.\n"
		      "# TYPE qdes_tap_drops_total counter\n",
		      f);
	json_object_foreach(counters, k, v)
	{
		if (strncmp(k, "drop_", 5))
			continue;
		fputs("qdes_tap_drops_total{dev=\"", f);
		label(f, dev);
		fprintf(f, "\",reason=\"%s\"} %lld\n", k + 5, (long long)json_integer_value(v));
	}
	fputs("# HELP qdes_tap_fdb_entries Entries in the forwarding database.\n"
	      "# TYPE qdes_tap_fdb_entries gauge\nqdes_tap_fdb_entries{dev=\"",
	      f);
	label(f, dev);
	fprintf(f,
		"\"} %lld\n# HELP qdes_tap_fdb_max_entries The forwarding database's bound.\n"
		"# TYPE qdes_tap_fdb_max_entries gauge\nqdes_tap_fdb_max_entries{dev=\"",
		num(stats, "fdb_entries"));
	label(f, dev);
	fprintf(f, "\"} %lld\n", num(stats, "fdb_max"));
}
