"""What the benchmarks share, and what the tests borrow from them.

- ``common``: paths, the loopback address, the bench accounts, the options every benchmark
  takes, and Django's settings in a benchmark's processes.
- ``database``: the bench database dropped, recreated and migrated; SQL in this process; the
  run's keys removed from Redis.
- ``servers``: a free port, gunicorn and a Celery worker as deployed, stopping a process.
- ``client``: sequential timed requests over one keep-alive connection, signing in.
- ``measure``: a scenario's timings and queries, percentiles, the results table.
- ``report``: the machine, the report's shared wording, writing it to docs/benchmarks.
- ``httpserver``: a scriptable HTTP server in a thread, for the link checker's benchmark and
  tests.
"""
