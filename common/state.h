/* SPDX-License-Identifier: ISC */
/*
 * The state file model and its one JSON form (DESIGN.md section 1).
 * Strings in here are already valid UTF-8 and capped: everything that
 * comes from virt-v2v goes through state_setstr() on its way in.
 */
#ifndef STATE_H
#define STATE_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#define STATE_STR_MAX		4096
#define STATE_WARNINGS_MAX	20
#define STATE_WARNING_LEN	512
#define STATE_DISKS_MAX		1024
/*
 * The largest state file: 1024 disks whose 4096-byte paths are control
 * bytes, each written as \u00XX (6 bytes), with every other string at
 * its cap the same way, is about 25.3 MB (regress/state/write_test).
 * Readers of a state file bound their reads by this, not by what a
 * normal run writes.
 */
#define STATE_FILE_MAX		(32 * 1024 * 1024)

enum msgtype { MSG_NONE, MSG_WARNING, MSG_ERROR };

struct disk {
	char		*path;
	size_t		 len;		/* of path */
	uint64_t	 hash;		/* of path (hash_text) */
	unsigned int	 progress;	/* hundredths of a percent, 0..10000 */
	int		 unnamed;	/* a placeholder "disk N" */
};

struct state {
	int		 started;
	pid_t		 pid;
	char		*stage;
	struct disk	*disks;		/* as they came: a disk never moves */
	uint16_t	*order;		/* the i-th shown is disks[order[i]] */
	uint16_t	*tags;		/* tags[i]: 16 bits of its hash */
	size_t		 ndisks, disks_cap;
	int		 disk_count;
	char		*vm_id;
	char		*thr_cpu;	/* NULL is JSON null */
	char		*thr_net;
	char		*warnings[STATE_WARNINGS_MAX];
	size_t		 nwarnings;
	char		*message;
	enum msgtype	 msgtype;
	int		 has_rc;
	int		 rc;
	int		 failed;
	int		 finished;
};

/* The i-th disk the state file shows. */
static inline struct disk *
state_disk(const struct state *st, size_t i)
{
	return &st->disks[st->order[i]];
}

void	 state_init(struct state *);
void	 state_free(struct state *);
char	*state_strdup(const char *, size_t, size_t);
void	 state_setstr(char **, const char *, size_t);

/* disklist.c: the disks in the order the state file shows them */
int	 state_add_disk(struct state *, const char *, size_t);
void	 state_disk_path(struct state *, size_t, const char *, size_t);
int	 state_find_disk(const struct state *, size_t, size_t, const char *,
	    size_t, uint64_t);
void	 state_move_disk(struct state *, size_t, size_t);
void	 state_message(struct state *, enum msgtype, const char *);
void	 state_warning(struct state *, const char *, size_t);
char	*state_dump(const struct state *);
int	 state_replace(int, const char *);
int	 state_write(int, const struct state *);

#endif
