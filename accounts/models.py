from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    PermissionsMixin,
)
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_countries.fields import CountryField

from accounts.validators import validate_username


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    MODERATOR = "moderator", "Moderator"
    ADMIN = "admin", "Admin"


class TrustLevel(models.TextChoices):
    NEW = "new", "New"
    ESTABLISHED = "established", "Established"


class Visibility(models.TextChoices):
    PUBLIC = "public", "Everyone"
    MEMBERS = "members", "Signed-in members"
    ONLY_ME = "only_me", "Only me"


class Treatment(models.TextChoices):
    """Treatments the seed article names, as members tick them on their profile."""

    BOTULINUM_TOXIN = "botulinum_toxin", "Botulinum toxin injections"
    ORAL_MEDICATION = "oral_medication", "Oral medication"
    DEEP_BRAIN_STIMULATION = "deep_brain_stimulation", "Deep brain stimulation"
    OTHER_SURGERY = "other_surgery", "Other surgery"
    PHYSICAL_THERAPY = "physical_therapy", "Physical therapy"
    ACUPUNCTURE = "acupuncture", "Acupuncture"
    YOGA = "yoga", "Yoga"
    OTHER = "other", "Other"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> "User":
        # Sign-in by email, whatever case the member types it in.
        return self.get(email__iexact=username)

    def create_user(
        self, email: str, username: str, password: str | None = None, **fields: object
    ) -> "User":
        user = self.model(email=self.normalize_email(email).lower(), username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        Profile.objects.create(user=user)
        return user

    def create_superuser(
        self, email: str, username: str, password: str | None = None, **fields: object
    ) -> "User":
        fields.update(role=Role.ADMIN, is_staff=True, is_superuser=True)
        fields.setdefault("trust_level", TrustLevel.ESTABLISHED)
        return self.create_user(email, username, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A member's account. ``email`` is for sign-in and mail only, never shown to members."""

    email = models.EmailField("login email", max_length=254)
    username = models.CharField(
        "pseudonym",
        max_length=30,
        validators=[validate_username],
        help_text="Public name: 3 to 30 letters, digits, underscores or hyphens.",
    )
    display_name = models.CharField(max_length=60, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    trust_level = models.CharField(
        max_length=16, choices=TrustLevel.choices, default=TrustLevel.NEW
    )
    trust_changed_at = models.DateTimeField(default=timezone.now)
    suspended_until = models.DateTimeField(null=True, blank=True)
    # Part of every session's signature: raising it signs the member out everywhere at once
    # (browser sessions and app session tokens), the way a password change does.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    clinician_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    clinician_verified_at = models.DateTimeField(null=True, blank=True)
    clinician_expires_at = models.DateTimeField(null=True, blank=True)
    is_curator = models.BooleanField(
        default=False,
        help_text="Publishes, edits and archives resources in the library (moderators do too).",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False,
        help_text="Can sign in to the admin site (moderators and admins).",
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values),
                name="accounts_user_role_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(trust_level__in=TrustLevel.values),
                name="accounts_user_trust_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["suspended_until"],
                name="accounts_user_suspended_idx",
                condition=models.Q(suspended_until__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def public_name(self) -> str:
        return self.display_name or self.username

    def get_short_name(self) -> str:
        # What the admin header greets with: the pseudonym, never the login email.
        return self.username

    def get_full_name(self) -> str:
        return self.public_name

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django checks this HMAC on every request; adding the epoch lets us end all of a
        # member's sessions with one UPDATE instead of searching the session store.
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def is_suspended(self, *, at: datetime | None = None) -> bool:
        return self.suspended_until is not None and self.suspended_until > (at or timezone.now())

    def has_valid_clinician_badge(self, *, at: datetime | None = None) -> bool:
        return self.clinician_verified_at is not None and (
            self.clinician_expires_at is None or self.clinician_expires_at > (at or timezone.now())
        )

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.MODERATOR, Role.ADMIN)

    @property
    def can_curate(self) -> bool:
        return self.is_curator or self.is_moderator


class Profile(models.Model):
    """What a member chooses to tell others; each field has its own visibility."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, primary_key=True)
    bio = models.TextField(max_length=2000, blank=True)
    bio_visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    diagnosis_year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    diagnosis_year_visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    treatments = models.JSONField(default=list, blank=True)
    treatments_visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    country = CountryField(blank=True)
    country_visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    updated_at = models.DateTimeField(auto_now=True)

    # The fields that carry their own ``<name>_visibility``.
    VISIBLE_FIELDS = ("bio", "diagnosis_year", "treatments", "country")

    def __str__(self) -> str:
        return f"Profile of {self.user_id}"
