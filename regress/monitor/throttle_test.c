/* SPDX-License-Identifier: ISC */
/*
 * throttle_parse(): the throttling file's values, one table row a case.
 */
#include <stdio.h>
#include <string.h>

#include "common/limits.h"
#include "monitor/monitor.h"

struct tcase {
	const char	*json;
	int		 has_cpu;
	long long	 cpu;
	int		 has_net;
	long long	 net;
	const char	*warn;		/* expected substring, or "" */
};

static const struct tcase cases[] = {
	{ "{\"cpu\": \"50%\", \"network\": \"1048576\"}", 1, 50, 1, 1048576, "" },
	{ "{\"cpu\": \"50\"}", 1, 50, 0, 0, "" },
	{ "{\"cpu\": 50}", 1, 50, 0, 0, "" },
	{ "{\"cpu\": \"unlimited\", \"network\": \"unlimited\"}", 1, 0, 1, 0, "" },
	{ "{\"cpu\": null, \"network\": null}", 1, 0, 1, 0, "" },
	{ "{\"network\": 1048576}", 0, 0, 1, 1048576, "" },
	{ "{\"cpu\": \"400%\"}", 1, 400, 0, 0, "" },	/* 4 CPUs */
	/* more than every CPU (4 here) is every CPU, as systemd has it */
	{ "{\"cpu\": \"401%\"}", 1, 400, 0, 0, "" },
	{ "{\"cpu\": \"6553600%\"}", 1, 400, 0, 0, "" },
	{ "{\"cpu\": \"6553601%\"}", 0, 0, 0, 0, "cpu: expected" },
	{ "{\"cpu\": \"0%\"}", 0, 0, 0, 0, "cpu: expected" },
	{ "{\"cpu\": \"-5\"}", 0, 0, 0, 0, "cpu: expected" },
	{ "{\"cpu\": \"+50\"}", 0, 0, 0, 0, "cpu: expected" },
	{ "{\"cpu\": \"50%%\"}", 0, 0, 0, 0, "cpu: expected" },
	{ "{\"cpu\": 50.5}", 0, 0, 0, 0, "cpu: expected" },
	{ "{\"cpu\": true}", 0, 0, 0, 0, "cpu: expected" },
	{ "{\"network\": \"1M\"}", 0, 0, 0, 0, "network: expected" },
	{ "{\"network\": \"1048576%\"}", 0, 0, 0, 0, "network: expected" },
	{ "{\"network\": 0}", 0, 0, 0, 0, "network: expected" },
	{ "{\"network\": \"99999999999999999999\"}", 0, 0, 0, 0,
	    "network: expected" },
	{ "{\"cpu\": \"x\", \"network\": \"2048\"}", 0, 0, 1, 2048,
	    "cpu: expected" },
	{ "{\"cpu\": \"x\", \"network\": \"y\"}", 0, 0, 0, 0,
	    "throttling file: cpu: expected a whole percentage from 1 up (100 "
	    "per CPU), or unlimited; network: expected" },
	{ "{\"memory\": \"1G\"}", 0, 0, 0, 0, "" },	/* unknown: ignored */
	{ "{\"cpu\": \"50%\"", 0, 0, 0, 0, "not a JSON object" },
	{ "[\"cpu\"]", 0, 0, 0, 0, "not a JSON object" },
	{ "{\"cpu\": \"50%\", \"cpu\": \"60%\"}", 0, 0, 0, 0,
	    "not a JSON object" },
	{ "\xff\xfe{}", 0, 0, 0, 0, "not valid UTF-8" },
};

int
main(void)
{
	struct limits	 l;
	char		 warn[512];
	size_t		 i;
	int		 ok, pass = 0, fail = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];

		throttle_parse(c->json, strlen(c->json), 4, &l, warn,
		    sizeof(warn));
		ok = l.has_cpu == c->has_cpu && l.cpu == c->cpu &&
		    l.has_net == c->has_net && l.net == c->net &&
		    (c->warn[0] == '\0' ? warn[0] == '\0' :
		    strstr(warn, c->warn) != NULL);
		printf("%s %zu - %s\n", ok ? "ok" : "not ok", i + 1, c->json);
		if (!ok)
			printf("# got cpu %d/%lld net %d/%lld warn \"%s\"\n",
			    l.has_cpu, l.cpu, l.has_net, l.net, warn);
		ok ? pass++ : fail++;
	}
	printf("%d passed, %d failed\n", pass, fail);
	return fail != 0;
}
