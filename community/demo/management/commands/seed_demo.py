"""Loads the demo community for the laptop default. Safe to run again: nothing is duplicated."""

from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.functional import cached_property

from accounts.models import Profile, Role, Treatment, TrustLevel, User, Visibility
from accounts.services import staff_access_sync
from community.demo.forum import DEMO_BOARDS, DEMO_MEMBERS, BoardSpec, ThreadSpec
from community.demo.library import RESOURCES, demo_posts_link, demo_resources_load
from community.forum.models import ALL_POSTS, PUBLIC_POSTS, Board, Post, PostState, Thread
from community.posting.services import post_create, thread_create

DEMO_PASSWORD = "demo-neck-2026"  # noqa: S105 (printed for the laptop demo only)

DEMO_USERS: list[dict[str, Any]] = [
    {
        "username": "harriet",
        "joined_days_ago": 420,
        "email": "admin@example.com",
        "display_name": "Harriet (site admin)",
        "role": Role.ADMIN,
        "trust_level": TrustLevel.ESTABLISHED,
        "profile": {"bio": "I look after the site for the charity.", "country": "GB"},
    },
    {
        "username": "sam_moderates",
        "joined_days_ago": 400,
        "email": "moderator@example.com",
        "display_name": "Sam",
        "role": Role.MODERATOR,
        "trust_level": TrustLevel.ESTABLISHED,
        "profile": {
            "bio": "Diagnosed in 2012. Volunteer moderator; message me if something is wrong.",
            "diagnosis_year": 2012,
            "treatments": [Treatment.BOTULINUM_TOXIN, Treatment.PHYSICAL_THERAPY],
            "country": "GB",
        },
    },
    {
        "username": "jo_tilts_left",
        "joined_days_ago": 300,
        "email": "member@example.com",
        "display_name": "Jo",
        "role": Role.MEMBER,
        "trust_level": TrustLevel.ESTABLISHED,
        "profile": {
            "bio": "Laterocollis since 2019. Injections every 12 weeks, yoga on good days.",
            "bio_visibility": Visibility.PUBLIC,
            "diagnosis_year": 2019,
            "treatments": [Treatment.BOTULINUM_TOXIN, Treatment.YOGA],
            "country": "IE",
        },
    },
    {
        "username": "newly_diagnosed_lee",
        "joined_days_ago": 3,
        "email": "newcomer@example.com",
        "display_name": "Lee",
        "role": Role.MEMBER,
        "trust_level": TrustLevel.NEW,
        "profile": {"bio": "Just diagnosed. Trying to understand what comes next."},
    },
]


class Command(BaseCommand):
    help = (
        "Create the demo accounts, boards and threads (laptop default only) and print where "
        "to find everything."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo data is for the laptop default only (DEBUG on).")
        now = timezone.now().replace(second=0, microsecond=0)
        with transaction.atomic():
            users = {
                spec["username"]: self._ensure_user(spec, now=now)
                for spec in [*DEMO_USERS, *DEMO_MEMBERS]
            }
            boards_created = threads_created = 0
            for position, board_spec in enumerate(DEMO_BOARDS, start=1):
                board, created = self._ensure_board(board_spec, position=position)
                boards_created += created
                new_threads = 0
                for thread_spec in board_spec["threads"]:
                    new_threads += self._ensure_thread(board, thread_spec, users=users, now=now)
                if new_threads:
                    self._set_board_last_post(board)
                threads_created += new_threads
            # The library, curated by the demo moderator, with a member's suggestions queued.
            resources_created = demo_resources_load(
                curator=users["sam_moderates"], suggested_by=users["jo_tilts_left"]
            )
            demo_posts_link()
        self._print_summary(
            boards_created=boards_created,
            threads_created=threads_created,
            resources_created=resources_created,
        )

    @cached_property
    def _password_hash(self) -> str:
        """Hashed once for all demo accounts: they share the printed demo password."""
        return make_password(DEMO_PASSWORD)

    def _ensure_user(self, spec: dict[str, Any], *, now: datetime) -> User:
        user = User.objects.filter(username__iexact=spec["username"]).first()
        if user is None:
            user = User.objects.create_user(
                spec["email"],
                spec["username"],
                None,
                display_name=spec["display_name"],
                role=spec["role"],
                trust_level=spec["trust_level"],
                is_staff=spec["role"] != Role.MEMBER,
                is_superuser=spec["role"] == Role.ADMIN,
                date_joined=now - timedelta(days=spec["joined_days_ago"]),
            )
            user.password = self._password_hash
            user.save(update_fields=["password"])
            Profile.objects.filter(user=user).update(**spec["profile"])
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        staff_access_sync(user=user)
        return user

    def _ensure_board(self, spec: BoardSpec, *, position: int) -> tuple[Board, bool]:
        return Board.objects.update_or_create(
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "description": spec["description"],
                "position": position,
                "visibility": spec["visibility"],
                "posting_policy": spec["posting_policy"],
                "allows_anonymous": spec["allows_anonymous"],
            },
        )

    def _ensure_thread(
        self, board: Board, spec: ThreadSpec, *, users: dict[str, User], now: datetime
    ) -> bool:
        """Starts the thread and its replies through the posting services, then dates them
        in the past. A thread whose title is already in the board is left alone."""
        if Thread.objects.filter(board=board, title=spec["title"]).exists():
            return False
        thread = thread_create(
            author=users[spec["author"]],
            board=board,
            title=spec["title"],
            body=spec["body"],
            is_anonymous=spec.get("anonymous", False),
        )
        posts = [Post.objects.get(thread=thread, position=1)]
        started_at = now - timedelta(days=spec["days_ago"])
        dates = [started_at]
        # Each post takes its demo date at once: flood control measures from a member's
        # latest post, and demo members post back to back.
        Post.objects.filter(pk=posts[0].pk).update(created_at=started_at)
        for reply in spec["replies"]:
            reply_to = reply.get("reply_to")
            post = post_create(
                author=users[reply["author"]],
                thread_id=thread.pk,
                body=reply["body"],
                reply_to_id=posts[reply_to - 1].pk if reply_to else None,
                is_anonymous=reply.get("anonymous", False),
            )
            posts.append(post)
            dates.append(started_at + timedelta(hours=reply["hours_after"]))
            Post.objects.filter(pk=post.pk).update(created_at=dates[-1])
        self._backdate(thread, posts=posts, dates=dates, pinned=spec.get("pinned", False))
        return True

    def _backdate(
        self, thread: Thread, *, posts: list[Post], dates: list[datetime], pinned: bool
    ) -> None:
        """Moves the posts to their demo dates; the thread's activity follows its latest
        published post, as the counters would have recorded it."""
        for post, posted_at in zip(posts, dates, strict=True):
            Post.objects.filter(pk=post.pk).update(created_at=posted_at)
        fields: dict[str, Any] = {"created_at": dates[0], "is_pinned": pinned}
        for tally in (ALL_POSTS, PUBLIC_POSTS):
            fields[tally.last_post_at] = dates[0]
            counted = [
                (post, posted_at)
                for post, posted_at in zip(posts, dates, strict=True)
                if post.state == PostState.PUBLISHED and (tally.urgent or not post.is_urgent)
            ]
            if counted:
                last, last_at = max(counted, key=lambda item: item[1])
                fields[tally.last_post_at] = last_at
                fields[tally.last_poster_id] = last.author_id
                fields[tally.last_post_anonymous] = last.is_anonymous
        Thread.objects.filter(pk=thread.pk).update(**fields)

    def _set_board_last_post(self, board: Board) -> None:
        for tally in (ALL_POSTS, PUBLIC_POSTS):
            latest = Thread.objects.filter(tally.counted(), board=board).aggregate(
                latest=Max(tally.last_post_at)
            )["latest"]
            Board.objects.filter(pk=board.pk).update(**{tally.board_last_post_at: latest})

    def _print_summary(
        self, *, boards_created: int, threads_created: int, resources_created: int
    ) -> None:
        site = settings.SITE_URL
        out = self.stdout
        out.write(self.style.SUCCESS("Demo community ready."))
        out.write(
            f"  Forum:     created {boards_created} boards and {threads_created} threads "
            f"({len(DEMO_BOARDS)} demo boards in all)"
        )
        out.write(
            f"  Library:   created {resources_created} resources "
            f"({len(RESOURCES)} published demo resources in all, two suggestions to review)"
        )
        out.write(f"  Site:      {site}/")
        out.write(f"  Admin:     {site}/admin/")
        out.write(f"  API docs:  {site}/api/docs/")
        out.write(f"  Auth API:  {site}/api/auth/openapi.html")
        if getattr(settings, "EMAIL_FILE_PATH", None):
            out.write(f"  Mail:      written to {settings.EMAIL_FILE_PATH}")
        out.write(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
        for spec in DEMO_USERS:
            out.write(f"    {spec['role']:<10} {spec['email']:<24} @{spec['username']}")
        out.write(f"    plus {len(DEMO_MEMBERS)} other demo members, same password")
