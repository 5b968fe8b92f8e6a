"""How and when the email queue is asked to send: the one place that enqueues ``send_due``."""

from django.db import transaction


def schedule_send(*, countdown: float = 0) -> None:
    """Asks the email queue to send what is due once the current transaction commits, at once
    or ``countdown`` seconds later. (Outside a transaction it asks at once.)"""
    # The task module imports the outbox, so it is imported when first needed.
    from community.notifications.tasks import send_due_task

    if countdown > 0:
        transaction.on_commit(lambda: send_due_task.apply_async(countdown=countdown))
    else:
        transaction.on_commit(send_due_task.delay)


def schedule_another_sender() -> None:
    """Asks for one more sender while this one goes on with a backlog, so that free worker
    processes share it. Tasks that run in-process have no other process to share with: the one
    sender goes on alone."""
    from community.notifications.tasks import send_due_task

    if not send_due_task.app.conf.task_always_eager:
        transaction.on_commit(send_due_task.delay)
