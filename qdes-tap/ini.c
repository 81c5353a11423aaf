// SPDX-License-Identifier: GPL-2.0-or-later
/* ini.c - Reading the ini file: [global] and interface sections, handed out key by key */

/*
 * iniparser does the parsing, but it lowercases section names and reports errors on stderr;
 * section names are interface names, which are case-sensitive, and an error here must be the
 * caller's single line naming file, section and key. So the file is also scanned here for its
 * headers as written, and iniparser's messages are caught and reworded.
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>
#include <sys/types.h>
#include <unistd.h>

#include <iniparser.h>

#include "ini.h"
#include "parse.h"

/*
 * iniparser reports errors through one process-wide callback without a context pointer, so the
 * message about the file being loaded can only be caught in static storage. Thread-local, and
 * used only between the two iniparser_set_error_callback() calls in ini_read(): this is
 * the one piece of static mutable state in this file. (The callback itself is iniparser's
 * global: two threads loading files at once could lose a message to stderr.)
 */
static _Thread_local struct {
	char first[INI_ERRLEN];
	unsigned int count;
} ini_error;

/* iniparser 4.1's messages; their arguments are known, so they can be reworded safely */
#define INI_FMT_SYNTAX	 "iniparser: syntax error in %s (%d):\n-> %s\n"
#define INI_FMT_TOO_LONG "iniparser: input line too long in %s (%d)\n"

static int __attribute__((format(printf, 1, 2))) ini_error_cb(const char *fmt, ...)
{
	char *p = ini_error.first, v[QUOTE_MAX + 4];
	va_list ap;

	if (ini_error.count++)
		return 0;
	va_start(ap, fmt);
	if (!strcmp(fmt, INI_FMT_SYNTAX)) {
		const char *file = va_arg(ap, const char *);
		int line = va_arg(ap, int);
		const char *text = va_arg(ap, const char *);

		(void)file;
		snprintf(p, sizeof(ini_error.first), "syntax error at line %d: '%s'", line,
			 parse_quote(text, v));
	} else if (!strcmp(fmt, INI_FMT_TOO_LONG)) {
		const char *file = va_arg(ap, const char *);
		int line = va_arg(ap, int);

		(void)file;
		snprintf(p, sizeof(ini_error.first), "syntax error at line %d: line too long",
			 line);
	} else {
		/* Some other version's wording: keep it, on one line, without its "iniparser: " */
		vsnprintf(p, sizeof(ini_error.first), fmt, ap);
		if (!strncmp(p, "iniparser: ", 11))
			memmove(p, p + 11, strlen(p + 11) + 1);
		for (; *p; p++)
			if (iscntrl((unsigned char)*p))
				*p = ' ';
		while (p > ini_error.first && p[-1] == ' ')
			*--p = '\0';
	}
	va_end(ap);
	return 0;
}

/**
 * struct ini_section - a [section] header as written in the file
 * @name:	its name in the original case (iniparser only keeps it lowercased)
 * @line:	line number, for messages
 */
struct ini_section {
	char *name;
	unsigned int line;
};

struct ini_file {
	const char *path;
	struct ini_section *sec;
	size_t n_sec;
	bool bom;
	dictionary *dict;
};

static void ini_free(struct ini_file *ini)
{
	size_t i;

	for (i = 0; i < ini->n_sec; i++)
		free(ini->sec[i].name);
	free(ini->sec);
	if (ini->dict)
		iniparser_freedict(ini->dict);
}

static char *strip(char *s, size_t *len)
{
	while (*len && isspace((unsigned char)s[*len - 1]))
		(*len)--;
	while (*len && isspace((unsigned char)*s)) {
		s++;
		(*len)--;
	}
	return s;
}

/* If the logical line @s is a section header, remember its name as written. */
static int ini_header(struct ini_file *ini, char *s, size_t len, unsigned int line)
{
	struct ini_section *sec;
	char *name, *close;

	s = strip(s, &len);
	if (len < 2 || s[0] != '[' || s[len - 1] != ']')
		return 0;
	/* As iniparser: the name ends at the first ']' and is stripped of spaces */
	s[len - 1] = '\0';
	close = strchr(s + 1, ']');
	len = (size_t)((close ? close : s + len - 1) - (s + 1));
	name = strip(s + 1, &len);
	sec = realloc(ini->sec, (ini->n_sec + 1) * sizeof(*sec));
	if (!sec)
		return -1;
	ini->sec = sec;
	sec[ini->n_sec].name = strndup(name, len);
	if (!sec[ini->n_sec].name)
		return -1;
	sec[ini->n_sec++].line = line;
	return 0;
}

/**
 * ini_scan() - Find the section headers of an ini file in their original case
 * @ini:	file; fills @ini->sec
 * @f:		the file, open
 *
 * iniparser lowercases section names, but a section names an interface and Linux interface
 * names are case-sensitive. So the file is read once more here, joining lines the way
 * iniparser 4.1 does (trailing spaces dropped, a final '\' continues the line on the next one),
 * to learn how each header was written.
 *
 * Return: 0, or -1 with errno set
 */
static int ini_scan(struct ini_file *ini, FILE *f)
{
	char *line = NULL, *logical = NULL;
	size_t cap = 0, lcap = 0, llen = 0;
	unsigned int lineno = 0, start = 0;
	int ret = -1;
	ssize_t n;

	while ((n = getline(&line, &cap, f)) >= 0) {
		size_t len = (size_t)n;

		while (len && isspace((unsigned char)line[len - 1]))
			len--;
		if (!llen)
			start = lineno + 1;
		if (!lineno++ && !strncmp(line, "\xef\xbb\xbf", 3))
			ini->bom = true;
		if (llen + len + 1 > lcap) {
			char *p = realloc(logical, llen + len + 1);

			if (!p)
				goto out;
			logical = p;
			lcap = llen + len + 1;
		}
		memcpy(logical + llen, line, len);
		llen += len;
		if (len && line[len - 1] == '\\') {
			llen--;
			continue;
		}
		logical[llen] = '\0';
		if (ini_header(ini, logical, llen, start))
			goto out;
		llen = 0;
	}
	if (ferror(f))
		goto out;
	if (llen) {
		logical[llen] = '\0';
		if (ini_header(ini, logical, llen, start))
			goto out;
	}
	ret = 0;
out:
	free(line);
	free(logical);
	return ret;
}

/* The first header of section @lc (lowercase, as iniparser has it), as written in the file */
static const char *ini_original(const struct ini_file *ini, const char *lc)
{
	size_t i;

	for (i = 0; i < ini->n_sec; i++)
		if (!strcasecmp(ini->sec[i].name, lc))
			return ini->sec[i].name;
	return lc;
}

static bool is_global(const char *section)
{
	return !strcasecmp(section, "global");
}

/* Every header names [global] or a valid interface, and no two differ only in case. */
static int ini_check_sections(const struct ini_file *ini, char *err, size_t errlen)
{
	char v[QUOTE_MAX + 4], w[QUOTE_MAX + 4];
	size_t i, j;

	for (i = 0; i < ini->n_sec; i++) {
		const struct ini_section *s = &ini->sec[i];

		if (is_global(s->name))
			continue;
		if (!parse_ifname_valid(s->name)) {
			snprintf(err, errlen,
				 "%s: line %u: invalid section name '[%s]' (expected [global] "
				 "or %s)",
				 ini->path, s->line, parse_quote(s->name, v), IFNAME_RULE);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (!strcasecmp(s->name, ini->sec[j].name) &&
			    strcmp(s->name, ini->sec[j].name)) {
				snprintf(err, errlen,
					 "%s: line %u: section [%s] differs from [%s] on line "
					 "%u only in case (section names are case-insensitive)",
					 ini->path, s->line, parse_quote(s->name, v),
					 parse_quote(ini->sec[j].name, w), ini->sec[j].line);
				return -1;
			}
		}
	}
	return 0;
}

/*
 * A dictionary entry is "section" (value NULL) or "section:key". Section names hold no ':' (an
 * interface name cannot), so the first ':' splits. A key above every section is ":key".
 */
static bool ini_entry(const dictionary *d, ssize_t i, char *sec, size_t seclen, const char **key,
		      const char **val)
{
	const char *colon;
	size_t len;

	if (!d->key[i] || !d->val[i])
		return false;
	colon = strchr(d->key[i], ':');
	if (!colon)
		return false;
	len = (size_t)(colon - d->key[i]);
	/* too long for any section of ours, so cut short it still matches none */
	if (len >= seclen)
		len = seclen - 1;
	memcpy(sec, d->key[i], len);
	sec[len] = '\0';
	*key = colon + 1;
	*val = d->val[i];
	return true;
}

/*
 * Hand every key of the file to @fn: in the INI_CHECK pass every key of every section, used or
 * not, so a typo is caught wherever it is; in the INI_APPLY pass the keys of section @lc
 * (lowercase) in file order. @fn's message gets "PATH: [SECTION] " in front.
 */
static int ini_pass(const struct ini_file *ini, enum ini_pass pass, const char *lc, ini_key_fn fn,
		    void *ctx, char *err, size_t errlen)
{
	const dictionary *d = ini->dict;
	char sec[IFNAMSIZ + 16], v[QUOTE_MAX + 4], msg[INI_ERRLEN];
	const char *key, *val;
	ssize_t i;

	for (i = 0; i < d->size; i++) {
		struct ini_key k;

		if (!ini_entry(d, i, sec, sizeof(sec), &key, &val))
			continue;
		if (!*sec) {
			snprintf(err, errlen, "%s: key '%s' outside any section", ini->path,
				 parse_quote(key, v));
			return -1;
		}
		if (pass == INI_APPLY && strcmp(sec, lc))
			continue;
		k = (struct ini_key){.section = ini_original(ini, sec),
				     .key = key,
				     .value = val,
				     .global = is_global(sec)};
		if (fn(ctx, pass, &k, msg, sizeof(msg))) {
			snprintf(err, errlen, "%s: [%s] %s", ini->path, k.section, msg);
			return -1;
		}
	}
	return 0;
}

/**
 * ini_choose() - The interface section to use
 * @ini:	file
 * @section:	wanted interface (case-sensitive), NULL: the file's only interface section
 * @name:	the section's name as written, which is the interface's name
 * @err:	message
 * @errlen:	its size
 *
 * Return: 0 or -1
 */
static int ini_choose(const struct ini_file *ini, const char *section, const char **name, char *err,
		      size_t errlen)
{
	char v[QUOTE_MAX + 4];
	size_t i, n = 0, len;

	if (section) {
		if (is_global(section)) {
			snprintf(err, errlen, "%s: [%s] is not an interface section", ini->path,
				 parse_quote(section, v));
			return -1;
		}
		for (i = 0; i < ini->n_sec; i++) {
			if (!strcmp(ini->sec[i].name, section)) {
				*name = ini->sec[i].name;
				return 0;
			}
		}
		len = (size_t)snprintf(err, errlen, "%s: no section [%s]", ini->path,
				       parse_quote(section, v));
		for (i = 0; i < ini->n_sec; i++) {
			if (!strcasecmp(ini->sec[i].name, section) && len < errlen) {
				snprintf(err + len, errlen - len,
					 " ([%s] is another interface: names are case-sensitive)",
					 ini->sec[i].name);
				break;
			}
		}
		return -1;
	}
	for (i = 0; i < ini->n_sec; i++) {
		const char *s = ini->sec[i].name;

		if (is_global(s))
			continue;
		if (!n++) {
			*name = s;
		} else if (strcmp(s, *name)) {
			/* (a section opened twice is still one section) */
			snprintf(err, errlen,
				 "%s: more than one interface section ([%s], [%s]); choose one "
				 "with --interface",
				 ini->path, *name, s);
			return -1;
		}
	}
	if (!n) {
		snprintf(err, errlen,
			 "%s: no interface section (name one after the interface, like [%s])",
			 ini->path, INI_EXAMPLE_SECTION);
		return -1;
	}
	return 0;
}

/**
 * ini_read() - Read an ini file of [global] and interface sections, and hand out its keys
 * @path:	ini file
 * @section:	interface section to use (case-sensitive, as interface names are); NULL: the
 *		file must have exactly one interface section
 * @fn:		called for every key, twice: see ini_pass()
 * @ctx:	its context
 * @name:	the section used, as written (the interface's name)
 * @err:	"PATH: what is wrong" on error, one line
 * @errlen:	size of @err
 *
 * [global]'s keys are applied first, then the section's, so the section wins. Invalid section
 * names are errors in any section, even one this process does not use. [global] is a keyword
 * in any case, so an interface named "global" has no section of its own. This file knows the
 * shape of the file, not what its keys mean: that is @fn's.
 *
 * Return: 0, or -1 with @err set (@fn may have been called for some keys)
 */
int ini_read(const char *path, const char *section, ini_key_fn fn, void *ctx, char name[IFNAMSIZ],
	     char *err, size_t errlen)
{
	struct ini_file ini = {.path = path};
	const char *chosen = NULL;
	char lc[IFNAMSIZ];
	int ret = -1, fd;
	struct stat st;
	size_t i;
	FILE *f;

	/* iniparser would only say "cannot open", and on stderr. Non-blocking: opening a FIFO
	 * with no writer would otherwise wait forever, before the check below could refuse it. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	/* /dev/zero or a FIFO would never end */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: cannot read: not a regular file", path);
		close(fd);
		return -1;
	}
	f = fdopen(fd, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (ini_scan(&ini, f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		fclose(f);
		goto out;
	}
	fclose(f);
	/* iniparser would call it a syntax error too, quoting an invisible character */
	if (ini.bom) {
		snprintf(err, errlen,
			 "%s: syntax error at line 1: UTF-8 byte order mark (save the file without "
			 "it)",
			 path);
		goto out;
	}

	ini_error.count = 0;
	ini_error.first[0] = '\0';
	iniparser_set_error_callback(ini_error_cb);
	ini.dict = iniparser_load(path);
	iniparser_set_error_callback(NULL);
	if (!ini.dict || ini_error.count) {
		if (!ini_error.count)
			snprintf(err, errlen, "%s: cannot parse", path);
		else if (ini_error.count == 1)
			snprintf(err, errlen, "%s: %s", path, ini_error.first);
		else
			snprintf(err, errlen, "%s: %s (and %u more)", path, ini_error.first,
				 ini_error.count - 1);
		goto out;
	}

	if (ini_check_sections(&ini, err, errlen) ||
	    ini_pass(&ini, INI_CHECK, NULL, fn, ctx, err, errlen) ||
	    ini_choose(&ini, section, &chosen, err, errlen))
		goto out;
	/* Valid interface names are shorter than IFNAMSIZ: ini_check_sections() saw to it */
	for (i = 0; chosen[i]; i++)
		lc[i] = (char)tolower((unsigned char)chosen[i]);
	lc[i] = '\0';
	if (ini_pass(&ini, INI_APPLY, "global", fn, ctx, err, errlen) ||
	    ini_pass(&ini, INI_APPLY, lc, fn, ctx, err, errlen))
		goto out;
	strcpy(name, chosen);
	ret = 0;
out:
	ini_free(&ini);
	return ret;
}
