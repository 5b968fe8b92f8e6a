import json
import os
import subprocess
import sys
from pathlib import Path

from config.celery import app

REPO = Path(__file__).resolve().parents[2]

_SCRIPT = """
import json
from config.celery import app
import django
django.setup()
conf = app.conf
print(json.dumps({
    "eager": conf.task_always_eager,
    "broker": conf.broker_url,
    "queues": sorted(q.name for q in conf.task_queues),
    "acks_late": conf.task_acks_late,
    "reject_on_worker_lost": conf.task_reject_on_worker_lost,
}))
"""


def _conf_with(env_overrides: dict[str, str | None]) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    for key, value in env_overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_laptop_default_runs_tasks_in_process():
    conf = _conf_with({"REDIS_URL": None, "DATABASE_URL": None})

    assert conf["eager"] is True
    assert conf["broker"] == "memory://"


def test_with_redis_tasks_go_to_the_broker_and_survive_a_lost_worker():
    conf = _conf_with({"REDIS_URL": "redis://127.0.0.1:6379/0"})

    assert conf["eager"] is False
    assert conf["broker"] == "redis://127.0.0.1:6379/0"
    assert conf["queues"] == ["default", "email"]
    assert conf["acks_late"] is True
    assert conf["reject_on_worker_lost"] is True


def test_email_tasks_are_routed_to_the_email_queue():
    assert app.amqp.router.route({}, "email.send_batch")["queue"].name == "email"
    assert app.amqp.router.route({}, "community.anything")["queue"].name == "default"
