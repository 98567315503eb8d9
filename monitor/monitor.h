/* SPDX-License-Identifier: ISC */
/*
 * The monitor: unprivileged, it reads what virt-v2v writes and keeps the
 * state file.  Everything it reads is hostile until parsed.
 */
#ifndef MONITOR_H
#define MONITOR_H

#include <stddef.h>
#include <stdint.h>

struct state;

#define LINE_MAX_LEN	(64 * 1024)

typedef void	(*line_cb)(void *, const char *, size_t);

/* sieve.c: find the lines worth parsing a chunk at a time */
#define SIEVE_BUCKETS	8
#define SIEVE_GAP	2	/* the second byte of a pair is this far on */
#define SIEVE_FAST	0	/* AVX2 where the CPU has it */
#define SIEVE_PORTABLE	1	/* plain C, on every CPU */

/* Any byte of first, and SIEVE_GAP bytes later any byte of then. */
struct sieve_pair {
	const char	*first;
	const char	*then;
};

struct sieve {
	unsigned char	 lo[2][16], hi[2][16];	/* per nibble: bucket bits */
	unsigned char	 flat[2][256];		/* per byte: the same */
	const char	*(*scan)(const struct sieve *, const char *, size_t);
};

void		 sieve_init(struct sieve *, const struct sieve_pair *, size_t,
		    int);
int		 sieve_is_fast(const struct sieve *);
const char	*sieve_next(const struct sieve *, const char *, size_t);

/* lines.c: split a byte stream into lines without growing past a bound */
struct lines {
	char			*buf;
	size_t			 len;
	size_t			 max;
	int			 skipping;	/* inside an overlong line */
	int			 split_cr;	/* \r ends a line too */
	const struct sieve	*sieve;		/* NULL: every line */
	line_cb			 cb;
	void			*arg;
};

void	lines_init(struct lines *, size_t, int, line_cb, void *);
void	lines_sieve(struct lines *, const struct sieve *);
void	lines_feed(struct lines *, const char *, size_t);
void	lines_flush(struct lines *);
void	lines_free(struct lines *);

/* disks.c */
size_t	disk_vmdk_name(char *, size_t, const char *, size_t);
int	disk_ensure(struct state *, int);
void	disk_locate(struct state *, int, const char *, size_t, uint64_t);

/* parser.c: one line of virt-v2v output -> state */
#define PARSER_ID_LEN	36	/* = DISK_ID_LEN */
#define PARSER_IDS_MAX	64	/* = DISK_IDS_MAX */
struct parser {
	struct state	*st;
	int		 cur;		/* disk being copied, -1 before */
	int		 npre;		/* paths named before any copy */
	int		 changed;
	int		 urgent;	/* write now, not coalesced */
	int		 dest_seen;	/* the destination is being set up */
	/* rhv-upload's disk ids (disk.id = '...'), the first ones, once */
	char		 ids[PARSER_IDS_MAX][PARSER_ID_LEN + 1];
	int		 nids;
};

void	parser_init(struct parser *, struct state *);
void	parser_sieve(struct sieve *, int);
void	parser_line(void *, const char *, size_t);
void	parser_mr_line(void *, const char *, size_t);
void	parser_success(struct parser *);

/* throttle.c */
struct limits;

int	throttle_parse(const char *, size_t, long, struct limits *, char *,
	    size_t);
int	throttle_take(int, long, struct limits *, char *, size_t);

/* seccomp.c */
int	seccomp_confine(void);

/* drop.c */
void	monitor_confine(int, unsigned int, unsigned int, int);

/* monitor.c */
__attribute__((noreturn))
void	monitor_main(int, char *[]);

#endif
