"""
Gunicorn settings for every app server:
    .venv/bin/gunicorn -c collaborative_site/gunicorn.conf.py

Each value comes from the environment (README.md, "Configuration"), so the
same file serves a small VM and a large one.
"""

import multiprocessing
import os

wsgi_app = "collaborative_site.wsgi:application"

bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# Synchronous workers: each request holds one database connection, so
# PostgreSQL sees at most workers x threads connections per server.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))

# A request that takes longer than this is stuck: its worker is restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5

# Restart each worker now and then, staggered, so a slow leak cannot grow
# without bound and the workers never all restart at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10

# Logs to standard output and error, like the site's own.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# X-Forwarded-* are trusted only from these addresses (the load balancer).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Gunicorn's control socket (for gunicornc) is one path per user by default,
# which two instances on one machine would fight over: off unless a path is
# given for this instance.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
if control_socket_disable:
    del control_socket
