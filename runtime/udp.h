/* SPDX-License-Identifier: MIT */
/* zokio: datagram sockets. The I/O itself is ZK_OP_RECVMSG / ZK_OP_SENDMSG (runtime/op.h) or
 * the zk_fut_recvmsg() / zk_fut_sendmsg() futures (runtime/future.h). */
#ifndef ZK_UDP_H
#define ZK_UDP_H

#include <sys/socket.h>

#define ZK_UDP_REUSEADDR 0x1u /* SO_REUSEADDR */
#define ZK_UDP_REUSEPORT 0x2u /* SO_REUSEPORT: several sockets share the port (kernel balances) */
#define ZK_UDP_V6ONLY    0x4u /* IPV6_V6ONLY on an AF_INET6 socket (else the system default) */

/* A non-blocking, close-on-exec UDP socket of addr's family (AF_INET or AF_INET6) bound to addr
 * (port 0: the kernel picks one; zk_udp_local() tells which). `flags`: ZK_UDP_*. Returns the fd,
 * which the caller owns (close it with zk_close() or a CLOSE op once the loop has used it), or
 * -errno (-EAFNOSUPPORT for another family, -EINVAL for a length short of the family's). */
int zk_udp_bind(const struct sockaddr *addr, socklen_t len, unsigned flags);

/* The address fd is bound to, into *ss (*len: its length). Returns 0 or -errno. */
int zk_udp_local(int fd, struct sockaddr_storage *ss, socklen_t *len);

#endif
