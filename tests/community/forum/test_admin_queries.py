import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories

pytestmark = pytest.mark.django_db


def _count(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), "\n".join(q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize(
    "url", ["/admin/forum/board/", "/admin/forum/thread/", "/admin/forum/post/"]
)
def test_forum_admin_lists_cost_the_same_for_2_and_25_rows(client, admin_user, url):
    client.force_login(admin_user)

    def grow(n: int) -> None:
        for i in range(n):
            board = factories.BoardFactory()
            author = factories.UserFactory()
            thread = factories.make_thread(board=board, author=author, title=f"Thread {i}")
            factories.make_reply(thread=thread, author=factories.UserFactory())

    grow(2)
    small, _ = _count(client, url)
    grow(23)
    large, sql = _count(client, url)

    assert large == small, sql


def test_posts_cannot_be_deleted_or_added_in_the_admin(client, admin_user, member):
    client.force_login(admin_user)
    thread = factories.make_thread(board=factories.BoardFactory(), author=member)
    post = thread.posts.get()

    assert client.get(f"/admin/forum/post/{post.pk}/delete/").status_code == 403
    assert client.get("/admin/forum/post/add/").status_code == 403
    page = client.get(f"/admin/forum/post/{post.pk}/change/").content.decode()
    assert post.body_source in page
