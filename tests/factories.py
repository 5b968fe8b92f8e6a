from datetime import timedelta
from typing import Any

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import Role, TrustLevel, User

PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A member with a verified email and a profile, who can sign in with ``PASSWORD``."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.org")
    username = factory.Sequence(lambda n: f"member_{n}")
    display_name = factory.Faker("first_name")
    role = Role.MEMBER
    trust_level = TrustLevel.ESTABLISHED

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        email = kwargs.pop("email")
        username = kwargs.pop("username")
        password = kwargs.pop("password", PASSWORD)
        user = model_class.objects.create_user(email, username, password, **kwargs)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user


class NewMemberFactory(UserFactory):
    trust_level = TrustLevel.NEW


class ModeratorFactory(UserFactory):
    role = Role.MODERATOR
    is_staff = True


class AdminFactory(UserFactory):
    role = Role.ADMIN
    is_staff = True
    is_superuser = True


class SuspendedMemberFactory(UserFactory):
    suspended_until = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
