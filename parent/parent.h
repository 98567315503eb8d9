/* SPDX-License-Identifier: ISC */
/*
 * The parent: everything between reading stdin and becoming priv.
 */
#ifndef PARENT_H
#define PARENT_H

#include <sys/types.h>
#include <limits.h>

struct conf;

struct luks_key;

#include "common/spawn.h"
#include "priv/privconf.h"

struct env {
	const char	*virt_v2v;
	const char	*iso_root;
	const char	*ssh_agent;
	const char	*ssh_add;
	const char	*systemd_run;
	const char	*systemctl;
	const char	*busctl;
	const char	*rpm;		/* --check-rhv-version asks them */
	const char	*dpkg_query;
	const char	*api;		/* the oVirt API client */
	const char	*cgroup_root;
	const char	*cgroup2_root;	/* "" for none */
	char		 cgroup2_buf[PATH_MAX];
	int		 systemd_given;	/* V2V_WRAPPER_SYSTEMD_RUN was set */
	const char	*log_dir;
	const char	*log_dir_default;	/* log_dir, when nobody moved it */
	const char	*run_dir;
	const char	*user;
	const char	*group;
};

/*
 * One run as the parent prepares it.  What priv needs is filled in pc
 * directly, by setup, and handed to priv_main() read-only: nothing is
 * copied from here to there.
 */
/* The BPF objects of cgroup v2 steering (parent/steer.c). */
struct steer_objs {
	int			 mapfd;
	int			 progfd;
	volatile uint32_t	*value;		/* mapped */
};

struct run {
	struct privconf	 pc;
	struct steer_objs steer;
	int		 verbose;
	int		 dry_run;		/* -n */
	struct env	 env;
	char		 rundir[PATH_MAX];
	char		 v2v_log[PATH_MAX];
	char		 mr_log[PATH_MAX];
	char		 wrapper_log[PATH_MAX];
	char		 state_file[PATH_MAX];
	char		 throttle_file[PATH_MAX];
	char		 privdir[PATH_MAX];
	char		 secretdir[PATH_MAX];
	/* who runs virt-v2v, who runs the monitor */
	uid_t		 conv_uid;
	gid_t		 conv_gid;
	struct creds	 conv;		/* the same, for spawning */
	char		*conv_home;
	uid_t		 mon_uid;
	gid_t		 mon_gid;
	uid_t		 caller_uid;	/* who started it: the caller, or sudo's */
	/* descriptors opened by setup, besides priv's */
	int		 logdirfd;
	int		 v2vlogfd;	/* write side, for virt-v2v */
	int		 v2vlogrfd;	/* read side, for the monitor */
	int		 mrlogfd;	/* write side, virt-v2v's fd 3 */
	int		 mrlogrfd;
	int		 logfd;
	/* what has been created, for undo on failure */
	int		 made_rundir, made_privdir, made_logs, made_secretdir;
	/* what validation found */
	int		 cap_mac;	/* virt-v2v has --mac */
	char		 virtio_win[PATH_MAX];	/* "" for none */
	struct luks_key	*luks;
	size_t		 nluks;
	/* the ssh-agent of an ssh transport */
	char		 agentdir[PATH_MAX];
	char		 agentsock[PATH_MAX];
	int		 made_agentdir;
	/* the virt-v2v command, built in code */
	char		**argv;
	char		**envp;
	/* daemonized with systemd: the unit (pc.unit) and our scope */
	int		 use_unit;
	char		 scope[128];	/* ours, the unit BindsTo= it */
	char		 netcgpath[PATH_MAX];	/* as /proc/PID/cgroup says */
	int		 steerwhy;	/* why cgroup v2 steering was not used */
	char		 steerpin[PATH_MAX];	/* a unit's pinned program, or "" */
	/* rhv-upload: the allocation looked up, and the disks' own ids */
	char		 storage_type[64];	/* "" when not looked up */
	const char	*allocation;		/* NULL: the input's */
	char		(*disk_ids)[40];	/* one per source disk */
	size_t		 ndisk_ids;
	/* Kubevirt: virt-v2v's output on stdout; the pod to put the
	 * progress on, or "" */
	int		 copy_stdout;
	char		 kube_url[1024];
	char		 kube_meta[PATH_MAX];	/* virt-v2v's -o json file */
};

/* env.c */
int	 env_load(struct env *, char *, size_t);
int	 under_sudo(void);

/* siteconf.c */
int	 siteconf_load(const char *, struct env *, char *, size_t);

/* input.c */
char	*input_read(int, size_t *, char *, size_t);

/* users.c */
int	 users_resolve(const struct conf *, struct run *, char *, size_t);

/* probe.c */
int	 probe_caps(struct run *, char *, size_t);

/* agent.c */
int	 agent_paths(struct run *);
int	 agent_start(const struct conf *, struct run *, char *, size_t);
void	 agent_stop(struct run *);
void	 agent_reap(int, const char *);

/* prune.c */
#define PRUNE_DAYS	30	/* the upstream Ansible role's */
int	 prune_logs(const char *);

/* reap.c */
int	 reap_dead_runs(const struct env *);

/* isochild.c */
int	 iso_find_bounded(const char *, const char *, char *, size_t, char *,
	    size_t, char *, size_t);

/* validate.c */
int	 validate(const struct conf *, struct run *, char *, size_t);
int	 check_guest_tools(void);

/* vdsmver.c */
int	 vdsm_version_ok(const char *);
int	 check_rhv_version(void);

/* dryrun.c */
void	 dry_run(const struct conf *, struct run *);

/* acl.c */
#define ACL_USERS_MAX	4
struct acl_user {
	uid_t	uid;
	int	perm;		/* 4 read, 2 write, 1 search/execute */
};
int	 acl_grant(int, const struct acl_user *, int, int);

/* safedir.c */
int	 safedir_open(const char *, const char *, uid_t, char *, size_t);

/* setup.c */
int	 setup_check(struct run *, char *, size_t);
int	 setup_paths(struct run *);
int	 setup_state(const struct conf *, struct run *, const char *);
int	 setup_create(const struct conf *, struct run *, char *, size_t);
void	 setup_undo(struct run *);
void	 setup_finish(struct run *);
void	 setup_closeall(struct run *);

/* argv.c */
void	 argv_build(const struct conf *, struct run *);
void	 argv_free(struct run *);
void	 unit_argv_build(struct run *);

/* scope.c */
void	 scope_adopt(struct run *);

/* steer.c */
int	 steer_load(struct steer_objs *);
void	 steer_unload(struct steer_objs *);
int	 steer_attach(int, int);
int	 steer_prepare(const struct conf *, struct run *);
void	 steer_undo(struct run *);

/* netcg.c */
void	 netcg_prepare(const struct conf *, struct run *);
int	 netcg_hybrid_unsafe(const char *, int);
void	 netcg_undo(struct run *);

/* helper.c */
int	 helper_spec(char *, size_t, int, const char *);
__attribute__((noreturn))
void	 exec_helper(int, char *[]);

/* child.c */
pid_t	 child_fork(const struct run *, int *, int *);

/* daemon.c */
int	 daemon_detach(int *);

/* ovirt.c */
int	 ovirt_prepare(const struct conf *, struct run *, char *, size_t);
void	 ovirt_log(const struct conf *, const struct run *);
int	 ovirt_cleaner_start(const struct conf *, struct run *, char *,
	    size_t);

/* kube.c */
int	 kube_pod(void);
int	 kube_users(struct run *, char *, size_t);
int	 kube_logdir(struct run *, char *, size_t);
void	 kube_prepare(const struct conf *, struct run *);
void	 kube_start(struct run *);

/* start.c */
void	 sanitizer_env(char **);
__attribute__((noreturn))
void	 start(const struct conf *, struct run *, int);

#endif
