"""The email outbox: rows written with their event, claimed, sent, retried and swept.

Delivery is at least once and never silently lost:

- a row is written in the same transaction as what it tells of, and a send task is enqueued
  when that transaction commits;
- the ``email`` queue claims due rows, urgent ones first, with ``SELECT ... FOR UPDATE SKIP
  LOCKED`` under a lease, then sends them outside any transaction over one SMTP connection per
  batch, marking each row ``sent`` in its own durable commit the moment the server accepts it;
  a backlog is shared by every free worker process, up to ``EMAIL_MAX_CONNECTIONS`` at once;
- transient failures (SMTP 4xx, refused connections, timeouts) come back later with
  exponential backoff and jitter, permanent ones (5xx) are ``dead`` at once, and so is a row
  after its last try; the error is kept;
- the beat sweeper frees rows whose worker's lease lapsed and re-enqueues what is due, so a
  broker that lost its messages (Redis restarted) delays mail but does not lose it.

Each module holds one of those steps; import from the one that holds what you need:

- ``schedule``: ``schedule_send``, the one place that asks the email queue to send, once the
  current transaction commits, now or after a countdown;
- ``write``: recording deliveries in the caller's transaction: account mail
  (``essential_enqueue``), which is sent at once and never capped, and the emails of new
  notifications (``attach_emails``), urgent ones each on their own, others coalesced by
  thread or kind;
- ``send``: claiming due rows (``claim_due``), composing them at send time, sending them over
  SMTP (``send_claimed``, ``send_due``) and marking them sent, skipped, failed with backoff
  or dead, holding a connection slot while it sends;
- ``sweep``: freeing rows stuck in ``sending``, finding due rows and fan-outs whose task was
  lost (``outbox_sweep``), and the operators' retry of dead rows (``deliveries_retry``).
"""
