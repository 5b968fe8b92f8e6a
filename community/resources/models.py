"""The library: curated links on coping and treatment, members' saved lists and "this helped
me" marks, and each link's health as the checker last found it."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Category(models.TextChoices):
    BOTULINUM_TOXIN = "botulinum_toxin", "Treatment: botulinum toxin"
    ORAL_MEDICATION = "oral_medication", "Treatment: oral medication"
    DBS_AND_SURGERY = "dbs_and_surgery", "Treatment: DBS and surgery"
    PHYSICAL_THERAPY = "physical_therapy", "Treatment: physical therapy"
    COMPLEMENTARY = "complementary", "Treatment: complementary therapies"
    PAIN = "pain", "Coping: pain"
    MENTAL_HEALTH = "mental_health", "Coping: mental health"
    DAILY_LIVING = "daily_living", "Coping: daily living"
    WORK = "work", "Coping: work"
    UNDERSTANDING_DYSTONIA = "understanding_dystonia", "Understanding dystonia"
    RESEARCH_AND_TRIALS = "research_and_trials", "Research and trials"
    SUPPORT_ORGANISATIONS = "support_organisations", "Support organisations"


class Audience(models.TextChoices):
    EVERYONE = "everyone", "Everyone"
    PATIENTS = "patients", "People living with dystonia"
    CAREGIVERS = "caregivers", "Caregivers"
    CLINICIANS = "clinicians", "Clinicians"


class ResourceState(models.TextChoices):
    SUGGESTED = "suggested", "Suggested, waiting for a curator"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class LinkStatus(models.TextChoices):
    UNCHECKED = "unchecked", "Not checked yet"
    OK = "ok", "Working"
    FAILING = "failing", "Failing (not yet broken)"
    BROKEN = "broken", "Broken"


class Tag(models.Model):
    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=40)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class Resource(models.Model):
    title = models.CharField(max_length=200)
    # Normalised (see ``urls.url_normalise``): two spellings of one address are one resource.
    url = models.CharField(max_length=2000, unique=True)
    summary_source = models.TextField(max_length=5000, blank=True)
    summary_html = models.TextField(blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=32, choices=Category.choices)
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.EVERYONE)
    tags = models.ManyToManyField(Tag, blank=True, related_name="resources")
    language = models.CharField(max_length=16, default="en")
    state = models.CharField(
        max_length=16, choices=ResourceState.choices, default=ResourceState.SUGGESTED
    )
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suggested_resources",
    )
    curated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="curated_resources",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    review_interval_months = models.PositiveSmallIntegerField(default=12)
    # last_reviewed_at + the interval, kept by the services: the weekly reminder's filter.
    review_due_at = models.DateTimeField(null=True, blank=True)
    # "This helped me": shown, never used to rank. Kept by the services.
    helpful_count = models.PositiveIntegerField(default=0)

    # Link health, written only by the checker.
    link_status = models.CharField(
        max_length=16, choices=LinkStatus.choices, default=LinkStatus.UNCHECKED
    )
    link_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    link_checked_at = models.DateTimeField(null=True, blank=True)
    link_failures = models.PositiveSmallIntegerField(default=0)
    link_failing_since = models.DateTimeField(null=True, blank=True)
    link_final_url = models.CharField(max_length=2000, blank=True)
    link_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="resources_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=Audience.values), name="resources_audience_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=ResourceState.values), name="resources_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="resources_url_http",
            ),
        ]
        indexes = [
            # The library, newest first, and each category's shelf.
            models.Index(
                fields=["-published_at", "-id"],
                name="resources_published",
                condition=Q(state=ResourceState.PUBLISHED),
            ),
            models.Index(
                fields=["category", "-published_at", "-id"],
                name="resources_published_category",
                condition=Q(state=ResourceState.PUBLISHED),
            ),
            # Curators' queue of suggestions, oldest first.
            models.Index(
                fields=["created_at", "id"],
                name="resources_suggested",
                condition=Q(state=ResourceState.SUGGESTED),
            ),
            # The checker's next links: never checked first, then the longest unchecked.
            models.Index(
                fields=["link_checked_at", "id"],
                name="resources_link_due",
                condition=Q(state=ResourceState.PUBLISHED),
            ),
            models.Index(
                fields=["review_due_at"],
                name="resources_review_due",
                condition=Q(state=ResourceState.PUBLISHED),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SavedResource(models.Model):
    """A resource on a member's own reading list."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_resources"
    )
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "resource"], name="resources_saved_once"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="resources_saved_recent")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} saved {self.resource_id}"


class HelpfulMark(models.Model):
    """One member's "this helped me" on one resource."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "resource"], name="resources_helpful_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} found {self.resource_id} helpful"
