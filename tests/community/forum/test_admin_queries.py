import pytest

from tests import factories
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db


def _ok(response) -> None:
    assert response.status_code == 200


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

    assert_constant_queries(
        lambda _n: _ok(client.get(url)), grow=lambda have, want: grow(want - have), what=url
    )


def test_posts_cannot_be_deleted_or_added_in_the_admin(client, admin_user, member):
    client.force_login(admin_user)
    thread = factories.make_thread(board=factories.BoardFactory(), author=member)
    post = thread.posts.get()

    assert client.get(f"/admin/forum/post/{post.pk}/delete/").status_code == 403
    assert client.get("/admin/forum/post/add/").status_code == 403
    page = client.get(f"/admin/forum/post/{post.pk}/change/").content.decode()
    assert post.body_source in page
