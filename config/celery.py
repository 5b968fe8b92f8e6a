"""The Celery app: Redis broker when REDIS_URL is set, tasks run in-process otherwise.

Tasks are enqueued with ``task.delay_on_commit(...)`` so that a worker never sees a row the
transaction has not committed yet. Late acknowledgement plus ``reject_on_worker_lost`` means a
worker killed mid-task leaves its message for another worker, so every task must be safe to
run twice.
"""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("email"))
app.autodiscover_tasks()
