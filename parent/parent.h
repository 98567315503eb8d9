/*
 * The parent: everything between reading stdin and becoming priv.
 */
#ifndef PARENT_H
#define PARENT_H

#include <sys/types.h>
#include <limits.h>

struct conf;

struct env {
	const char	*virt_v2v;
	const char	*log_dir;
	const char	*run_dir;
	const char	*user;
	const char	*group;
};

struct run {
	int		 root;		/* the caller is uid 0 */
	int		 verbose;
	struct env	 env;
	char		 tag[64];
	char		 rundir[PATH_MAX];
	char		 v2v_log[PATH_MAX];
	char		 mr_log[PATH_MAX];
	char		 wrapper_log[PATH_MAX];
	char		 state_file[PATH_MAX];
	char		 throttle_file[PATH_MAX];
	char		 secretdir[PATH_MAX];
	/* who runs virt-v2v, who runs the monitor */
	uid_t		 conv_uid;
	gid_t		 conv_gid;
	char		*conv_home;
	uid_t		 mon_uid;
	gid_t		 mon_gid;
	/* descriptors opened by setup */
	int		 basefd;
	int		 logdirfd;
	int		 rundirfd;
	int		 secretdirfd;
	int		 lockfd;
	int		 v2vlogfd;	/* write side, for virt-v2v */
	int		 v2vlogrfd;	/* read side, for the monitor */
	int		 mrlogrfd;
	int		 logfd;
	/* what has been created, for undo on failure */
	int		 made_rundir, made_logs, made_secretdir;
	int		 nsecrets;
	const char	*secrets[3];
	/* the virt-v2v command, built in code */
	char		**argv;
	char		**envp;
};

/* env.c */
int	 env_load(struct env *, char *, size_t);

/* input.c */
char	*input_read(int, size_t *, char *, size_t);

/* users.c */
int	 users_resolve(const struct conf *, struct run *, char *, size_t);

/* setup.c */
int	 setup_check(struct run *, char *, size_t);
int	 setup_create(const struct conf *, struct run *, char *, size_t);
void	 setup_undo(struct run *);
void	 setup_closeall(struct run *);

/* argv.c */
void	 argv_build(const struct conf *, struct run *);
void	 argv_free(struct run *);

/* child.c */
pid_t	 child_fork(const struct run *, int *, int *);

/* daemon.c */
int	 daemon_detach(int *);

/* start.c */
__attribute__((noreturn))
void	 start(const struct conf *, struct run *, int);

#endif
