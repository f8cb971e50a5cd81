/* The lookup pool (resolver.h). A lookup is shared by the loop that asked and the pool thread that
 * answers: each holds a reference, so either may go first. The loop side watches a duplicate of the
 * lookup's eventfd (h2o closes what it watches); the pool side signals the original. */
#include "serve/resolver.h"

#include <errno.h>
#include <fcntl.h>
#include <h2o.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/log.h"

struct serve_lookup {
  unsigned refs; /* under pool.lock */
  char *host, *port;
  int event_fd;
  h2o_socket_t *watch; /* the loop side; NULL once done or cancelled */
  serve_lookup_done done;
  void *arg;
  struct addrinfo *list; /* the answer, until handed to done */
  int gai_error;
  bool queued; /* waiting in the pool's queue */
  serve_lookup *next_queued;
};

static struct {
  pthread_mutex_t lock;
  pthread_cond_t work;
  serve_lookup *head, *tail;
  unsigned threads, idle;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0, 0};

static void lookup_free(serve_lookup *l) {
  if (l->list) freeaddrinfo(l->list);
  close(l->event_fd);
  wr_free(l->host);
  wr_free(l->port);
  wr_free(l);
}

/* Drops a reference; the caller holds pool.lock. True when the lookup must be freed. */
static bool unref_locked(serve_lookup *l) { return --l->refs == 0; }

static void unref(serve_lookup *l) {
  pthread_mutex_lock(&pool.lock);
  bool last = unref_locked(l);
  pthread_mutex_unlock(&pool.lock);
  if (last) lookup_free(l);
}

static void *pool_thread(void *arg) {
  WR_UNUSED(arg);
  pthread_mutex_lock(&pool.lock);
  for (;;) {
    while (!pool.head) {
      pool.idle++;
      pthread_cond_wait(&pool.work, &pool.lock);
      pool.idle--;
    }
    serve_lookup *l = pool.head;
    pool.head = l->next_queued;
    if (!pool.head) pool.tail = NULL;
    l->queued = false;
    pthread_mutex_unlock(&pool.lock);

    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *list = NULL;
    int gai = getaddrinfo(l->host, l->port, &hints, &list);
    pthread_mutex_lock(&pool.lock);
    l->list = list;
    l->gai_error = gai;
    uint64_t one = 1;
    if (write(l->event_fd, &one, sizeof one) < 0) WR_WARN("serve: resolver wake-up failed: %s", strerror(errno));
    if (unref_locked(l)) { /* cancelled meanwhile */
      pthread_mutex_unlock(&pool.lock);
      lookup_free(l);
      pthread_mutex_lock(&pool.lock);
    }
  }
  return NULL;
}

static void on_answer(h2o_socket_t *sock, const char *err) {
  WR_UNUSED(err);
  serve_lookup *l = sock->data;
  h2o_socket_close(l->watch);
  l->watch = NULL;
  pthread_mutex_lock(&pool.lock); /* the thread wrote the answer under the lock */
  struct addrinfo *list = l->list;
  int gai = l->gai_error;
  l->list = NULL;
  pthread_mutex_unlock(&pool.lock);
  serve_lookup_done done = l->done;
  void *done_arg = l->arg;
  unref(l);
  done(done_arg, list, gai);
}

serve_lookup *serve_lookup_start(void *loop, const char *host, const char *port, serve_lookup_done done, void *arg) {
  int event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  int watched = event_fd < 0 ? -1 : fcntl(event_fd, F_DUPFD_CLOEXEC, 0);
  if (watched < 0) {
    if (event_fd >= 0) close(event_fd);
    return NULL;
  }
  serve_lookup *l = WR_NEW(serve_lookup);
  l->refs = 2;
  l->host = wr_strndup(host, strlen(host));
  l->port = wr_strndup(port, strlen(port));
  l->done = done;
  l->arg = arg;
  l->event_fd = event_fd;
  l->watch = h2o_evloop_socket_create(loop, watched, H2O_SOCKET_FLAG_DONT_READ);
  l->watch->data = l;
  h2o_socket_read_start(l->watch, on_answer);

  pthread_mutex_lock(&pool.lock);
  l->queued = true;
  if (pool.tail) pool.tail->next_queued = l;
  else pool.head = l;
  pool.tail = l;
  if (pool.idle == 0 && pool.threads < SERVE_RESOLVER_THREADS) {
    pthread_t tid;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    if (pthread_create(&tid, &attr, pool_thread, NULL) == 0) pool.threads++;
    else WR_WARN("serve: cannot start a resolver thread: %s", strerror(errno));
    pthread_attr_destroy(&attr);
  }
  pthread_cond_signal(&pool.work);
  pthread_mutex_unlock(&pool.lock);
  return l;
}

void serve_lookup_cancel(serve_lookup *l) {
  h2o_socket_close(l->watch);
  l->watch = NULL;
  pthread_mutex_lock(&pool.lock);
  if (l->queued) { /* no thread took it: drop the pool's reference too */
    serve_lookup **link = &pool.head;
    serve_lookup *prev = NULL;
    while (*link != l) {
      prev = *link;
      link = &(*link)->next_queued;
    }
    *link = l->next_queued;
    if (pool.tail == l) pool.tail = prev;
    l->queued = false;
    l->refs--;
  }
  bool last = unref_locked(l);
  pthread_mutex_unlock(&pool.lock);
  if (last) lookup_free(l);
}
