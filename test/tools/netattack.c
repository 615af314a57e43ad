/* Attacks on the rootless network supervisor (netsup.c), run inside a
   rootless private container.  Usage: netattack UPSTREAM_IP UPSTREAM_PORT
   HOSTLO_TCP_PORT HOSTLO_UDP_PORT RACE_PORT (an upstream server that
   accepts whatever comes, with a deep backlog).  The host runs a TCP server and a
   UDP counter on its 127.0.0.1 only; every line printed says whether
   one attack reached them ("reached" is a failure of the design). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX 62
#endif

static struct sockaddr_in
addr (const char *ip, int port)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons ((uint16_t)port) };
  inet_pton (AF_INET, ip, &a.sin_addr);
  return a;
}

static volatile struct sockaddr_in race_addr;
static volatile int racing = 1;
static struct sockaddr_in good, bad;

static void *
flipper (void *arg)
{
  (void)arg;
  while (racing)
    {
      memcpy ((void *)&race_addr, &good, sizeof good);
      memcpy ((void *)&race_addr, &bad, sizeof bad);
    }
  return NULL;
}

/* A host socket the supervisor swapped in is bound to the host's egress
   interface; the container's own sockets here are bound to none. */
static bool
host_socket (int s)
{
  int idx = 0;
  socklen_t il = sizeof idx;

  return getsockopt (s, SOL_SOCKET, SO_BINDTOIFINDEX, &idx, &il) == 0 && idx != 0;
}

/* A blocking connect to an address nobody answers, given one second
   (SO_SNDTIMEO): the kernel's answer is EINPROGRESS. */
static int slow_errno;
static void *
slow_connect (void *arg)
{
  struct sockaddr_in *a = arg;
  int s = socket (AF_INET, SOCK_STREAM, 0);
  struct timeval tv = { 1, 0 };

  setsockopt (s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  slow_errno = connect (s, (struct sockaddr *)a, sizeof *a) == 0 ? 0 : errno;
  close (s);
  return NULL;
}

static int
tcp_to (struct sockaddr_in a)
{
  int s = socket (AF_INET, SOCK_STREAM, 0), r;
  struct timeval tv = { 2, 0 };

  setsockopt (s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  r = connect (s, (struct sockaddr *)&a, sizeof a);
  close (s);
  return r;
}

int
main (int argc, char **argv)
{
  struct sockaddr_in up, lo_tcp, lo_udp, any_tcp;
  int u, hits = 0, swapped = 0;
  pthread_t t;

  if (argc != 6)
    return 2;
  up = addr (argv[1], atoi (argv[2]));
  lo_tcp = addr ("127.0.0.1", atoi (argv[3]));
  lo_udp = addr ("127.0.0.1", atoi (argv[4]));
  any_tcp = addr ("0.0.0.0", atoi (argv[3]));

  /* 1. A UDP socket made a host one by a first datagram out, then aimed
     at the host's loopback: by sendto, then by connect + send. */
  u = socket (AF_INET, SOCK_DGRAM, 0);
  printf ("udp-out %s\n",
          sendto (u, "a", 1, 0, (struct sockaddr *)&up, sizeof up) == 1 ? "sent" : strerror (errno));
  sendto (u, "b", 1, 0, (struct sockaddr *)&lo_udp, sizeof lo_udp);
  if (connect (u, (struct sockaddr *)&lo_udp, sizeof lo_udp) == 0)
    send (u, "c", 1, 0);
  close (u);
  /* 2. TCP to 127.0.0.1 and to 0.0.0.0 (the host's "this host"). */
  printf ("tcp-127 %s\n", tcp_to (lo_tcp) == 0 ? "reached" : "refused");
  printf ("tcp-0 %s\n", tcp_to (any_tcp) == 0 ? "reached" : "refused");
  /* 3. The address swapped by another thread while connect is decided. */
  up = addr (argv[1], atoi (argv[5]));
  good = up, bad = lo_tcp;
  pthread_create (&t, NULL, flipper, NULL);
  for (int i = 0; i < 300; i++)
    {
      struct sockaddr_in *a = (struct sockaddr_in *)&race_addr;
      /* Non-blocking: a host socket aimed at 127.0.0.1 after the check
         (it is bound to the egress interface) would otherwise wait out
         TCP's SYN retries; a connection to loopback completes at once. */
      int s = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), e = 0;
      struct sockaddr_in peer;
      socklen_t pl = sizeof peer, el = sizeof e;
      struct pollfd p = { s, POLLOUT, 0 };
      bool started = connect (s, (struct sockaddr *)a, sizeof *a) == 0 || errno == EINPROGRESS;
      bool host = host_socket (s);
      if (started && poll (&p, 1, host ? 2000 : 200) == 1
          && getsockopt (s, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0
          && getpeername (s, (struct sockaddr *)&peer, &pl) == 0
          && peer.sin_addr.s_addr == htonl (INADDR_LOOPBACK))
        hits++;
      /* A host socket must be connected to the address the supervisor
         checked, the upstream (which accepts at once): one aimed
         elsewhere means the kernel read the address again after the
         check (SECCOMP_USER_NOTIF_FLAG_CONTINUE). */
      pl = sizeof peer;
      if (host
          && !(getpeername (s, (struct sockaddr *)&peer, &pl) == 0
               && peer.sin_addr.s_addr == up.sin_addr.s_addr && peer.sin_port == up.sin_port))
        swapped = 1;
      close (s);
      if (swapped)
        break; /* one is enough: it waited out its poll */
    }
  racing = 0;
  pthread_join (t, NULL);
  printf ("race %s\n", hits ? "reached" : "refused");
  printf ("swap %s\n", swapped ? "reached a swapped address" : "checked");
  /* 4. A connect left waiting holds up nobody else's: the supervisor
     answers it when it ends, serving the others meanwhile. */
  {
    struct sockaddr_in nobody = addr (argv[1], 9);
    struct timespec t0, t1;
    nobody.sin_addr.s_addr = htonl (ntohl (nobody.sin_addr.s_addr) + 97); /* .99: no host */
    pthread_create (&t, NULL, slow_connect, &nobody);
    usleep (100000);
    clock_gettime (CLOCK_MONOTONIC, &t0);
    u = tcp_to (up);
    clock_gettime (CLOCK_MONOTONIC, &t1);
    printf ("beside-a-waiting-connect %s\n",
            u == 0 && t1.tv_sec - t0.tv_sec < 1 ? "connected" : strerror (errno));
    pthread_join (t, NULL);
    printf ("waiting-connect %s\n", slow_errno == EINPROGRESS ? "timed out (EINPROGRESS)"
                                                              : strerror (slow_errno));
  }
  return 0;
}
