"""gunicorn settings: ``gunicorn -c config/gunicorn.py config.wsgi:application``.

Each setting can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import gc
import os
from typing import Any

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# gthread keeps client connections alive between requests; sync workers close each one.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = 30
timeout = 30
graceful_timeout = 30
# The longest request line gunicorn takes (its maximum): the application answers an address
# over API_MAX_URL_LENGTH in the API's error shape; past this, gunicorn's own HTML 414 would
# (the front proxy refuses such lines first: see README).
limit_request_line = 8190
# The app logs one line per request itself (with its request id).
accesslog = None


def post_worker_init(worker: Any) -> None:
    """Moves everything loaded at start-up out of the garbage collector's reach, so a full
    collection no longer walks Django's whole import graph (a 100 ms stall every few dozen
    requests otherwise)."""
    gc.freeze()
