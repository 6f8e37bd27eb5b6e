/* SPDX-License-Identifier: MIT */
#ifndef ZS_NOTIFY_H
#define ZS_NOTIFY_H

/** systemd's sd_notify() without libsystemd: sends `state` (newline-separated assignments, e.g.
 *  "READY=1\nMAINPID=1234", "RELOADING=1", "STOPPING=1", "STATUS=...") as one datagram to the
 *  AF_UNIX socket named by $NOTIFY_SOCKET (a leading '@' means the abstract namespace). Returns 0
 *  without doing anything when $NOTIFY_SOCKET is unset or empty, 0 when sent, -errno otherwise
 *  (-EINVAL for a name that is not an absolute path or '@' name, or too long). With the unit's
 *  default NotifyAccess=main, only the master process (the unit's main PID) may send. */
int zs_notify(const char *state);

#endif
