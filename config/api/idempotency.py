"""The ``Idempotency-Key`` header a create may carry: its one format, for the service that
reads it and the schema that declares it."""

import re

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{8,100}$")
