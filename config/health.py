"""Readiness checks that apps add to /readyz.

``config`` is the lowest layer and never imports the apps, so an app that has something to
report registers a check here from its ``AppConfig.ready()``, and ``readyz`` runs whatever is
registered.

Such a check is a warning, not a failure. It runs only once the database and Redis have
answered, and whatever it finds, /readyz stays 200: the process can serve requests, but
something behind it wants an operator's eye, and taking the instance out of the load balancer
would not fix it. A check returns ``"ok"``, or a small JSON-ready mapping saying what is wrong
(readyz shows it under ``details``).
"""

from collections.abc import Callable, Mapping
from typing import Literal

ReadinessResult = Literal["ok"] | Mapping[str, object]
ReadinessCheck = Callable[[], ReadinessResult]

_checks: dict[str, ReadinessCheck] = {}


def register_readiness_check(name: str, check: ReadinessCheck) -> None:
    """Adds ``check`` to /readyz under ``name``. Registering a name again replaces its check, so
    a ``ready()`` that runs twice adds nothing twice."""
    _checks[name] = check


def readiness_checks() -> dict[str, ReadinessCheck]:
    """The registered checks by name, in the order they were first registered."""
    return dict(_checks)
