from rest_framework import throttling
from rest_framework.settings import api_settings


class _SettingsRateMixin:
    """Reads the rate when a request arrives, so a changed setting takes effect at once."""

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(getattr(self, "scope", ""))
        return rate if isinstance(rate, str) else None


class AnonThrottle(_SettingsRateMixin, throttling.AnonRateThrottle):
    pass


class UserThrottle(_SettingsRateMixin, throttling.UserRateThrottle):
    pass
