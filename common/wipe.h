/* SPDX-License-Identifier: ISC */
#ifndef WIPE_H
#define WIPE_H

void	wipe_json_allocs(void);

#endif
