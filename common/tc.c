/* SPDX-License-Identifier: ISC */
/*
 * Traffic control for one run, through rtnetlink: an HTB root qdisc with
 * handle abc:, shared by every conversion on the host, one HTB class
 * abc:N per run, reserved with NLM_F_EXCL on each interface so that two
 * runs never share one, and a cgroup classifier that sends a socket's
 * packets to the class its net_cls cgroup names.
 *
 * Only interfaces that are up and whose qdiscs are all the kernel's
 * defaults (handle 0:) get our qdisc; one someone configured is left
 * alone.  The caller holds the host lock around tc_reserve() and
 * tc_release(): the qdisc is shared, and only the run that finds no
 * class left in it may remove it.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>

#include <netlink/netlink.h>
#include <netlink/route/class.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>

#include "common/log.h"
#include "common/tc.h"

#define TC_QDISC	TC_HANDLE(TC_MAJOR, 0)

/* What an interface's qdiscs say about shaping it. */
enum tc_if { TC_IF_CONFIGURED, TC_IF_OURS, TC_IF_DEFAULT };
#define TC_FILTER_PRIO	10
#define TC_FILTER_HANDLE 1
/*
 * Set, not derived from the rate: the kernel's rate/r2q guess warns and
 * clamps for both tiny and huge rates.  One 64 KiB GSO packet per round.
 */
#define TC_QUANTUM	65536
/*
 * The bucket: 10 ms at the rate, at least one 64 KiB GSO packet, and at
 * most what the kernel's 32-bit time field holds at a very low rate.
 */
#define TC_BURST_MIN	65536
#define TC_BURST_SEC	200

/* Unclassified packets go to HTB's direct queue; with a device whose
 * txqueuelen is 0 that queue would hold 2 packets and drop the rest. */
#define TC_DIRECT_QLEN	10000
#define TC_LEAF_LIMIT	10000

int
tc_open(struct tc *t)
{
	t->sk = NULL;
	t->minor = 0;
	t->nif = 0;
	if ((t->sk = nl_socket_alloc()) == NULL)
		return -1;
	if (nl_connect(t->sk, NETLINK_ROUTE) < 0) {
		nl_socket_free(t->sk);
		t->sk = NULL;
		return -1;
	}
	return 0;
}

void
tc_close(struct tc *t)
{
	if (t->sk != NULL)
		nl_socket_free(t->sk);
	t->sk = NULL;
}

/* A tc message without options; the kernel's answer as a libnl error. */
static struct nl_msg *
tc_msg(int type, int flags, int ifindex, uint32_t parent, uint32_t handle,
    uint32_t info, const char *kind)
{
	struct tcmsg	 tcm;
	struct nl_msg	*msg;

	if ((msg = nlmsg_alloc_simple(type, flags)) == NULL)
		return NULL;
	memset(&tcm, 0, sizeof(tcm));
	tcm.tcm_family = AF_UNSPEC;
	tcm.tcm_ifindex = ifindex;
	tcm.tcm_parent = parent;
	tcm.tcm_handle = handle;
	tcm.tcm_info = info;
	if (nlmsg_append(msg, &tcm, sizeof(tcm), NLMSG_ALIGNTO) < 0 ||
	    (kind != NULL && nla_put_string(msg, TCA_KIND, kind) < 0)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int
tc_send(struct tc *t, struct nl_msg *msg)
{
	if (msg == NULL)
		return -NLE_NOMEM;
	return nl_send_sync(t->sk, msg);	/* frees msg */
}

/* libnl has no setter for HTB's direct_qlen: the message by hand. */
static int
tc_qdisc_add(struct tc *t, int ifindex)
{
	struct tc_htb_glob	 glob;
	struct nl_msg		*msg;
	struct nlattr		*opts;

	msg = tc_msg(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex,
	    TC_H_ROOT, TC_QDISC, 0, "htb");
	if (msg == NULL)
		return -NLE_NOMEM;
	memset(&glob, 0, sizeof(glob));
	glob.version = 3;		/* TC_HTB_PROTOVER */
	glob.rate2quantum = 10;
	glob.defcls = 0;		/* unclassified: the direct queue */
	if ((opts = nla_nest_start(msg, TCA_OPTIONS)) == NULL ||
	    nla_put(msg, TCA_HTB_INIT, sizeof(glob), &glob) < 0 ||
	    nla_put_u32(msg, TCA_HTB_DIRECT_QLEN, TC_DIRECT_QLEN) < 0) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	nla_nest_end(msg, opts);
	return tc_send(t, msg);
}

/* Deletes the root qdisc only if it is ours: the kernel compares the
 * handle and refuses any other. */
static int
tc_qdisc_del(struct tc *t, int ifindex)
{
	return tc_send(t, tc_msg(RTM_DELQDISC, 0, ifindex, TC_H_ROOT,
	    TC_QDISC, 0, NULL));
}

/*
 * One cgroup classifier per interface, shared: for every protocol, IPv6
 * and ARP too.  cls_cgroup wants a TCA_OPTIONS even when it is empty,
 * and libnl's nla_nest_end() drops an empty nest: a bare attribute, as
 * iproute2 sends it (found on a kernel that has cls_cgroup).
 */
static int
tc_filter_add(struct tc *t, int ifindex)
{
	struct nl_msg	*msg;

	msg = tc_msg(RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, ifindex,
	    TC_QDISC, TC_FILTER_HANDLE,
	    TC_H_MAKE(TC_FILTER_PRIO << 16, htons(ETH_P_ALL)), "cgroup");
	if (msg == NULL)
		return -NLE_NOMEM;
	if (nla_put(msg, TCA_OPTIONS, 0, NULL) < 0) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	return tc_send(t, msg);
}

static uint32_t
tc_burst(uint64_t rate)
{
	uint64_t	b = rate / 100;

	if (b < TC_BURST_MIN)
		b = TC_BURST_MIN;
	if (b > rate * TC_BURST_SEC)
		b = rate * TC_BURST_SEC;
	return b > UINT32_MAX / 2 ? UINT32_MAX / 2 : b;
}

/* Add (NLM_F_CREATE | NLM_F_EXCL) or change (0) class abc:minor. */
static int
tc_class_set(struct tc *t, int i, uint32_t minor, uint64_t rate, int flags)
{
	struct rtnl_class	*c;
	int			 err;

	if ((c = rtnl_class_alloc()) == NULL)
		return -NLE_NOMEM;
	rtnl_tc_set_ifindex(TC_CAST(c), t->ifindex[i]);
	rtnl_tc_set_mtu(TC_CAST(c), t->mtu[i]);
	rtnl_tc_set_parent(TC_CAST(c), TC_QDISC);
	rtnl_tc_set_handle(TC_CAST(c), TC_HANDLE(TC_MAJOR, minor));
	if ((err = rtnl_tc_set_kind(TC_CAST(c), "htb")) == 0 &&
	    (err = rtnl_htb_set_rate64(c, rate)) == 0 &&
	    (err = rtnl_htb_set_ceil64(c, rate)) == 0 &&
	    (err = rtnl_htb_set_rbuffer(c, tc_burst(rate))) == 0 &&
	    (err = rtnl_htb_set_cbuffer(c, tc_burst(rate))) == 0 &&
	    (err = rtnl_htb_set_quantum(c, TC_QUANTUM)) == 0)
		err = rtnl_class_add(t->sk, c, flags);
	rtnl_class_put(c);
	return err;
}

static int
tc_class_del(struct tc *t, int ifindex, uint32_t minor)
{
	return tc_send(t, tc_msg(RTM_DELTCLASS, 0, ifindex, TC_QDISC,
	    TC_HANDLE(TC_MAJOR, minor), 0, NULL));
}

/* How many classes our qdisc on this interface still has; -1 unknown. */
static int
tc_nclasses(struct tc *t, int ifindex)
{
	struct nl_cache		*cache;
	struct nl_object	*o;
	int			 n = 0;

	if (rtnl_class_alloc_cache(t->sk, ifindex, &cache) < 0)
		return -1;
	for (o = nl_cache_get_first(cache); o != NULL;
	    o = nl_cache_get_next(o))
		if (TC_H_MAJ(rtnl_tc_get_handle(TC_CAST(o))) == TC_QDISC)
			n++;
	nl_cache_free(cache);
	return n;
}

/*
 * May we shape this interface?  TC_IF_OURS: our qdisc is there (another
 * run made it); TC_IF_DEFAULT: the kernel's defaults, which we may
 * replace; TC_IF_CONFIGURED: someone set a qdisc.  Defaults have handle
 * 0:, the root and (under mq) every child: an mq whose queues someone
 * gave qdiscs is configured.  An ingress or clsact qdisc is beside the
 * root, not under it.
 */
static enum tc_if
tc_root_kind(struct nl_cache *qdiscs, int ifindex, char *what, size_t len)
{
	struct nl_object	*o;
	uint32_t		 h, parent;
	const char		*kind;
	enum tc_if		 r = TC_IF_DEFAULT;

	snprintf(what, len, "the kernel's");
	for (o = nl_cache_get_first(qdiscs); o != NULL;
	    o = nl_cache_get_next(o)) {
		if (rtnl_tc_get_ifindex(TC_CAST(o)) != ifindex)
			continue;
		h = rtnl_tc_get_handle(TC_CAST(o));
		parent = rtnl_tc_get_parent(TC_CAST(o));
		/* TC_H_CLSACT is TC_H_INGRESS. */
		if (h == 0 || parent == TC_H_INGRESS)
			continue;
		if ((kind = rtnl_tc_get_kind(TC_CAST(o))) == NULL)
			kind = "?";
		if (parent == TC_H_ROOT && h == TC_QDISC &&
		    strcmp(kind, "htb") == 0)
			return TC_IF_OURS;
		snprintf(what, len, "%s %x:", kind, TC_H_MAJ(h) >> 16);
		r = TC_IF_CONFIGURED;
	}
	return r;
}

/* Remove our qdisc from an interface where no run has a class left. */
static void
tc_unshape(struct tc *t, int ifindex, const char *name)
{
	int	err;

	if (tc_nclasses(t, ifindex) != 0)
		return;
	if ((err = tc_qdisc_del(t, ifindex)) < 0) {
		if (err != -NLE_OBJ_NOTFOUND && err != -NLE_INVAL)
			log_warnx("tc: removing the qdisc of %s: %s", name,
			    nl_geterror(err));
		return;
	}
	log_info("tc: removed the shared qdisc abc: from %s", name);
}

/* Our qdisc and the classifier on one interface; 0, or a libnl error. */
static int
tc_shape_one(struct tc *t, struct rtnl_link *l, enum tc_if kind)
{
	int	ifindex = rtnl_link_get_ifindex(l), err, made = 0;

	if (kind == TC_IF_DEFAULT) {
		if ((err = tc_qdisc_add(t, ifindex)) < 0 && err != -NLE_EXIST)
			return err;
		made = err == 0;
	}
	if (t->no_classifier)
		return 0;
	if ((err = tc_filter_add(t, ifindex)) < 0 && err != -NLE_EXIST) {
		if (made)
			tc_unshape(t, ifindex, rtnl_link_get_name(l));
		/* ENOENT of a filter add: the kind is unknown. */
		return err == -NLE_OBJ_NOTFOUND ? TC_ENOCLS : err;
	}
	return 0;
}

/*
 * Put our qdisc and classifier on every interface that is up and may
 * have them; fills t->ifindex.  The count, or TC_ENOCLS when the kernel
 * has no cgroup classifier, or -1.
 */
static int
tc_shape(struct tc *t)
{
	struct nl_cache		*links, *qdiscs;
	struct nl_object	*o;
	struct rtnl_link	*l;
	char			 what[64];
	enum tc_if		 kind;
	int			 err, ret = 0;

	t->nif = 0;
	if (rtnl_link_alloc_cache(t->sk, AF_UNSPEC, &links) < 0)
		return -1;
	if (rtnl_qdisc_alloc_cache(t->sk, &qdiscs) < 0) {
		nl_cache_free(links);
		return -1;
	}
	for (o = nl_cache_get_first(links); o != NULL && ret == 0;
	    o = nl_cache_get_next(o)) {
		l = (struct rtnl_link *)o;
		if (!(rtnl_link_get_flags(l) & IFF_UP))
			continue;
		if ((kind = tc_root_kind(qdiscs, rtnl_link_get_ifindex(l),
		    what, sizeof(what))) == TC_IF_CONFIGURED) {
			log_info("tc: %s keeps its configured qdisc %s, "
			    "not shaped", rtnl_link_get_name(l), what);
			continue;
		}
		if (t->nif == TC_IF_MAX) {
			log_warnx("tc: more than %d interfaces, %s not shaped",
			    TC_IF_MAX, rtnl_link_get_name(l));
			continue;
		}
		if ((err = tc_shape_one(t, l, kind)) == TC_ENOCLS)
			ret = TC_ENOCLS;
		else if (err < 0) {
			if (err != -NLE_NODEV)
				log_warnx("tc: shaping %s: %s",
				    rtnl_link_get_name(l), nl_geterror(err));
			continue;
		} else {
			t->ifindex[t->nif] = rtnl_link_get_ifindex(l);
			t->mtu[t->nif] = rtnl_link_get_mtu(l);
			strlcpy(t->ifname[t->nif], rtnl_link_get_name(l),
			    sizeof(t->ifname[0]));
			t->nif++;
		}
	}
	nl_cache_free(qdiscs);
	nl_cache_free(links);
	return ret == 0 ? t->nif : ret;
}

/* Interface i went away: out of our list. */
static void
tc_forget(struct tc *t, int i)
{
	log_info("tc: %s went away", t->ifname[i]);
	t->nif--;
	memmove(&t->ifindex[i], &t->ifindex[i + 1],
	    (t->nif - i) * sizeof(t->ifindex[0]));
	memmove(&t->mtu[i], &t->mtu[i + 1], (t->nif - i) * sizeof(t->mtu[0]));
	memmove(&t->ifname[i], &t->ifname[i + 1],
	    (t->nif - i) * sizeof(t->ifname[0]));
}

/*
 * The class's own queue: a pfifo of TC_LEAF_LIMIT packets, not the
 * kernel's default leaf, whose limit is the device's txqueuelen (0 on
 * some: every packet of the class would be dropped).  The kernel picks
 * its handle; it goes with the class.
 */
static void
tc_leaf_add(struct tc *t, int ifindex, uint32_t minor)
{
	struct tc_fifo_qopt	 opt = { TC_LEAF_LIMIT };
	struct nl_msg		*msg;
	int			 err;

	msg = tc_msg(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex,
	    TC_HANDLE(TC_MAJOR, minor), 0, 0, "pfifo");
	if (msg != NULL && nla_put(msg, TCA_OPTIONS, sizeof(opt), &opt) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	if ((err = tc_send(t, msg)) < 0)
		log_warnx("tc: the queue of abc:%x: %s", minor,
		    nl_geterror(err));
}

/* Take minor on every shaped interface, or none: 1 taken, 0 in use
 * somewhere, -1 failed. */
static int
tc_take(struct tc *t, uint32_t minor, uint64_t rate)
{
	int	i, j, err;

	for (i = 0; i < t->nif; i++) {
		err = tc_class_set(t, i, minor, rate,
		    NLM_F_CREATE | NLM_F_EXCL);
		if (err == 0) {
			tc_leaf_add(t, t->ifindex[i], minor);
			continue;
		}
		if (err == -NLE_NODEV) {
			/* A tap that went away: not a reason to fail. */
			tc_forget(t, i--);
			continue;
		}
		for (j = 0; j < i; j++)
			tc_class_del(t, t->ifindex[j], minor);
		if (err == -NLE_EXIST)
			return 0;
		log_warnx("tc: class abc:%x on %s: %s", minor, t->ifname[i],
		    nl_geterror(err));
		return -1;
	}
	return 1;
}

static void
tc_unshape_all(struct tc *t)
{
	int	i;

	for (i = 0; i < t->nif; i++)
		tc_unshape(t, t->ifindex[i], t->ifname[i]);
	t->nif = 0;
}

/*
 * Shape the host and reserve a class of our own at this rate (bytes per
 * second).  0 with t->minor set; TC_ENOCLS, TC_ENOIF or -1 with nothing
 * of ours left behind.
 */
int
tc_reserve(struct tc *t, uint64_t rate)
{
	uint32_t	minor;
	int		n, r;

	if ((n = tc_shape(t)) < 0 || n == 0) {
		tc_unshape_all(t);
		return n == 0 ? TC_ENOIF : n;
	}
	for (minor = TC_MINOR_FIRST; minor <= TC_MINOR_LAST; minor++) {
		if ((r = tc_take(t, minor, rate)) == 0)
			continue;
		if (r == -1)
			break;
		if (t->nif == 0)	/* every interface went away */
			return TC_ENOIF;
		t->minor = minor;
		for (n = 0; n < t->nif; n++)
			log_info("tc: class abc:%x on %s", minor,
			    t->ifname[n]);
		return 0;
	}
	if (minor > TC_MINOR_LAST)
		log_warnx("tc: every class id of abc: is in use");
	tc_unshape_all(t);
	return -1;
}

/* A new rate for our class on every interface it is on. */
int
tc_rate(struct tc *t, uint64_t rate)
{
	int	i, err, ret = 0;

	for (i = 0; i < t->nif; i++)
		if ((err = tc_class_set(t, i, t->minor, rate, 0)) < 0 &&
		    err != -NLE_NODEV) {
			log_warnx("tc: rate of abc:%x on %s: %s", t->minor,
			    t->ifname[i], nl_geterror(err));
			ret = -1;
		}
	return ret;
}

/* Delete the classes of abc: on one interface that keep does not name. */
static void
tc_sweep_one(struct tc *t, int ifindex, const char *name,
    const uint8_t *keep)
{
	struct nl_cache		*cache;
	struct nl_object	*o;
	uint32_t		 h, minor;

	if (rtnl_class_alloc_cache(t->sk, ifindex, &cache) < 0)
		return;
	for (o = nl_cache_get_first(cache); o != NULL;
	    o = nl_cache_get_next(o)) {
		h = rtnl_tc_get_handle(TC_CAST(o));
		minor = TC_H_MIN(h);
		if (TC_H_MAJ(h) != TC_QDISC || minor == 0 ||
		    keep[minor / 8] & (1 << (minor % 8)))
			continue;
		log_info("tc: removed abc:%x from %s: no run has it", minor,
		    name);
		tc_class_del(t, ifindex, minor);
	}
	nl_cache_free(cache);
}

/*
 * On every interface (not only those recorded: also for a dead run):
 * remove class abc:minor, or with keep every class of abc: keep does not
 * name; then our qdisc wherever no class is left in it.
 */
static void
tc_clean(struct tc *t, uint32_t minor, const uint8_t *keep)
{
	struct nl_cache		*links;
	struct nl_object	*o;
	struct rtnl_link	*l;
	int			 ifindex, err;

	if (rtnl_link_alloc_cache(t->sk, AF_UNSPEC, &links) < 0) {
		log_warnx("tc: cannot list the interfaces");
		return;
	}
	for (o = nl_cache_get_first(links); o != NULL;
	    o = nl_cache_get_next(o)) {
		l = (struct rtnl_link *)o;
		ifindex = rtnl_link_get_ifindex(l);
		if (keep != NULL)
			tc_sweep_one(t, ifindex, rtnl_link_get_name(l), keep);
		else if ((err = tc_class_del(t, ifindex, minor)) < 0 &&
		    err != -NLE_OBJ_NOTFOUND && err != -NLE_INVAL)
			log_warnx("tc: removing class abc:%x from %s: %s",
			    minor, rtnl_link_get_name(l), nl_geterror(err));
		tc_unshape(t, ifindex, rtnl_link_get_name(l));
	}
	nl_cache_free(links);
}

/* The end of a run: its class, and the qdisc where it was the last. */
void
tc_release(struct tc *t, uint32_t minor)
{
	tc_clean(t, minor, NULL);
	if (minor == t->minor)
		t->minor = 0;
	t->nif = 0;
}

/*
 * What runs that died left, whatever the moment of their death: every
 * class of abc: that no run's cgroup names (keep: a bit per minor).
 * Under the host lock, where every live run's classid is already set.
 */
void
tc_sweep(struct tc *t, const uint8_t *keep)
{
	tc_clean(t, 0, keep);
	t->nif = 0;
}
