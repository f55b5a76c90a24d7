/*
 * ratedload: an open-loop HTTP/1.1 keep-alive load generator for latency at a fixed rate.
 *
 * Why not wrk: wrk is closed-loop (each connection sends its next request when the previous
 * answer arrives), so it measures throughput at saturation, and the latency it reports is the
 * latency of a saturated server. Latency targets are about a server carrying a given load. This
 * tool sends requests on a fixed schedule (request i is due at start + i/rate), hands each due
 * request to any idle connection, and times it from when it was due, not from when it was sent:
 * a stall in the server (or here) is charged to every request it delayed (no coordinated
 * omission, as in wrk2). Debian ships wrk, not wrk2; this is the part of wrk2 we need.
 *
 * usage: ratedload HOST PORT RATE CONNECTIONS WARMUP_S SECONDS PATH [RANDMAX [HEADER]]
 *   PATH may hold one %d, replaced per request by a random number in [0, RANDMAX).
 *   HEADER, if given, is one more request header line ("Authorization: Bearer ...").
 * prints one line: key=value pairs (see the printf at the end).
 *
 * Single-threaded, epoll plus a timerfd for the schedule. C, so that the generator takes as
 * little as possible of the two cores it shares with the server it measures.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 256
#define BUF 65536
#define HIST_US 2000000 /* 1 us buckets up to 2 s; above counts in the last bucket */

typedef struct {
    int fd;
    int busy;
    uint64_t due_ns; /* when the request in flight was due */
    size_t have;
    char buf[BUF];
} conn_t;

static uint32_t hist[HIST_US + 1];
static uint64_t recorded, non2xx, errors, sent, late_sends;
static uint64_t max_us;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

static void die(const char *what) {
    fprintf(stderr, "ratedload: %s: %s\n", what, strerror(errno));
    exit(2);
}

static int open_conn(const char *host, int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port)};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
        fprintf(stderr, "ratedload: not an IPv4 address: %s\n", host);
        exit(2);
    }
    if (connect(fd, (struct sockaddr *) &a, sizeof a) < 0 && errno != EINPROGRESS) die("connect");
    return fd;
}

/* Length of one complete response at the start of buf, or 0 if more bytes are needed. */
static size_t response_len(const char *buf, size_t have, int *status) {
    const char *end = memmem(buf, have, "\r\n\r\n", 4);
    if (!end) return 0;
    size_t head = (size_t) (end - buf) + 4;
    *status = have >= 12 ? atoi(buf + 9) : 0;
    size_t body = 0;
    for (const char *p = buf; p < end; p++) {
        if ((*p == 'c' || *p == 'C') && (size_t) (end - p) > 15 && strncasecmp(p, "content-length:", 15) == 0) {
            body = (size_t) strtoul(p + 15, NULL, 10);
            break;
        }
    }
    return have >= head + body ? head + body : 0;
}

int main(int argc, char **argv) {
    if (argc < 8) {
        fprintf(stderr, "usage: ratedload HOST PORT RATE CONNECTIONS WARMUP_S SECONDS PATH [RANDMAX [HEADER]]\n");
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]);
    double rate = atof(argv[3]);
    int nconn = atoi(argv[4]);
    double warmup_s = atof(argv[5]);
    double seconds = atof(argv[6]);
    const char *path = argv[7];
    long randmax = argc > 8 ? atol(argv[8]) : 0;
    const char *header = argc > 9 ? argv[9] : NULL;
    if (nconn < 1 || nconn > MAX_CONNS || rate <= 0) {
        fprintf(stderr, "ratedload: 1..%d connections and a positive rate\n", MAX_CONNS);
        return 2;
    }
    srand((unsigned) now_ns());

    int ep = epoll_create1(0);
    if (ep < 0) die("epoll_create1");
    static conn_t conns[MAX_CONNS];
    for (int i = 0; i < nconn; i++) {
        conns[i].fd = open_conn(host, port);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t) i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev) < 0) die("epoll_ctl");
    }
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    if (tfd < 0) die("timerfd_create");
    struct epoll_event tev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &tev);

    usleep(100000); /* let the connects finish */
    uint64_t interval = (uint64_t) (1e9 / rate);
    uint64_t start = now_ns();
    uint64_t measure_from = start + (uint64_t) (warmup_s * 1e9);
    uint64_t stop = measure_from + (uint64_t) (seconds * 1e9);
    uint64_t next_due = start;
    char req[2048];
    char pathbuf[512];
    struct epoll_event evs[64];

    for (;;) {
        uint64_t now = now_ns();
        /* Hand every due request to an idle connection. */
        while (next_due <= now && next_due < stop) {
            int c = -1;
            for (int i = 0; i < nconn; i++) {
                if (!conns[i].busy) { c = i; break; }
            }
            if (c < 0) break; /* all busy: the request waits, and its wait counts */
            if (randmax > 0) snprintf(pathbuf, sizeof pathbuf, path, (int) (rand() % randmax));
            else snprintf(pathbuf, sizeof pathbuf, "%s", path);
            int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s:%d\r\n%s%s\r\n", pathbuf, host, port,
                             header ? header : "", header ? "\r\n" : "");
            if (write(conns[c].fd, req, (size_t) n) != n) {
                errors++;
            }
            if (now - next_due > 1000000) late_sends++;
            conns[c].busy = 1;
            conns[c].due_ns = next_due;
            next_due += interval;
            sent++;
        }
        int inflight = 0;
        for (int i = 0; i < nconn; i++) inflight += conns[i].busy;
        if (next_due >= stop && inflight == 0) break;
        if (now > stop + 5000000000ull) { /* answers still missing 5 s after the end */
            errors += (uint64_t) inflight;
            break;
        }
        /* Sleep until the next due time (if a connection is free to take it) or an answer. */
        int any_idle = inflight < nconn;
        if (any_idle && next_due < stop && next_due > now) {
            struct itimerspec its = {0};
            its.it_value.tv_sec = (time_t) (next_due / 1000000000ull);
            its.it_value.tv_nsec = (long) (next_due % 1000000000ull);
            timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
        }
        int k = epoll_wait(ep, evs, 64, 1000);
        if (k < 0 && errno != EINTR) die("epoll_wait");
        uint64_t got = now_ns();
        for (int e = 0; e < k; e++) {
            uint32_t id = evs[e].data.u32;
            if (id == UINT32_MAX) {
                uint64_t x;
                if (read(tfd, &x, sizeof x) < 0 && errno != EAGAIN) die("timerfd read");
                continue;
            }
            conn_t *c = &conns[id];
            ssize_t r = read(c->fd, c->buf + c->have, BUF - c->have);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN) continue;
                fprintf(stderr, "ratedload: connection %u closed by the server\n", id);
                errors++;
                return 1;
            }
            c->have += (size_t) r;
            int status = 0;
            size_t len = response_len(c->buf, c->have, &status);
            if (len == 0) continue;
            memmove(c->buf, c->buf + len, c->have - len);
            c->have -= len;
            if (!c->busy) continue;
            c->busy = 0;
            if (c->due_ns >= measure_from && c->due_ns < stop) {
                uint64_t us = (got - c->due_ns) / 1000;
                if (us > max_us) max_us = us;
                hist[us > HIST_US ? HIST_US : us]++;
                recorded++;
                if (status < 200 || status > 299) non2xx++;
            }
        }
    }

    double pct[] = {50, 90, 99, 99.9};
    double at[4];
    for (int p = 0; p < 4; p++) {
        uint64_t want = (uint64_t) ((double) recorded * pct[p] / 100.0 + 0.999999);
        uint64_t acc = 0;
        at[p] = (double) HIST_US / 1000.0;
        for (uint64_t us = 0; us <= HIST_US; us++) {
            acc += hist[us];
            if (acc >= want && want > 0) { at[p] = (double) us / 1000.0; break; }
        }
    }
    printf("rate_per_s=%.0f recorded=%lu p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f non2xx=%lu errors=%lu late_sends=%lu\n",
           (double) recorded / seconds, (unsigned long) recorded, at[0], at[1], at[2], at[3], (double) max_us / 1000.0,
           (unsigned long) non2xx, (unsigned long) errors, (unsigned long) late_sends);
    return 0;
}
