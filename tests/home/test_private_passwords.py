"""
The passwords of private pages and private document collections against
guessing: after PAGE_PASSWORD_ATTEMPTS wrong passwords from one client
address for one of them, even the right password is refused until the
window ends, with the same password page saying why. Counted per address
and per password, so a colleague elsewhere (or behind another address) is
never locked out by a guesser, and a guesser cannot lock a page for everyone.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from wagtail.models import Collection, CollectionViewRestriction, Page

from tests.collaborative_site.test_settings import load_settings
from tests.conftest import PASSWORD, html, restrict
from tests.reports.factories import make_document, pdf_bytes

pytestmark = pytest.mark.django_db

WRONG = "not-the-password"  # noqa: S105
GUESSER = "203.0.113.5"
COLLEAGUE = "198.51.100.7"
KINDS = ["private page", "private document collection"]


def private_page(slug):
    page = Page.objects.get(slug=slug).specific
    restriction = restrict(page)
    return SimpleNamespace(
        address=page.url,
        action=f"/_util/authenticate_with_password/{restriction.id}/{page.id}/",
        title=page.title,
        what="page",
        shown=lambda response: response.status_code == 200 and page.title in response.content.decode(),
    )


def private_collection(name):
    collection = Collection.get_first_root_node().add_child(name=name)
    restriction = CollectionViewRestriction.objects.create(
        collection=collection, restriction_type=CollectionViewRestriction.PASSWORD, password=PASSWORD
    )
    content = pdf_bytes(1)
    document = make_document(f"{name} minutes", "minutes.pdf", content, collection=collection)
    return SimpleNamespace(
        address=document.url,
        action=f"/documents/authenticate_with_password/{restriction.id}/",
        title=document.title,
        what="document",
        shown=lambda response: response.streaming and b"".join(response.streaming_content) == content,
    )


def make_private(kind, number=0):
    """A private page or document collection, its password PASSWORD: the number-th of its kind in the test."""
    if kind == "private page":
        return private_page(["about", "contact-us"][number])
    return private_collection(["Steering group papers", "Board papers"][number])


@pytest.fixture(params=KINDS)
def private(request, initial_content):
    return make_private(request.param)


def guess(client, private, password, address=GUESSER, **extra):
    return client.post(
        private.action, {"password": password, "return_url": private.address}, REMOTE_ADDR=address, **extra
    )


def guess_wrong(client, private, times, **extra):
    for _ in range(times):
        response = guess(client, private, WRONG, **extra)
        assert response.status_code == 200
        assert "not correct" in page_text(response)


def let_in(client, private, address=GUESSER):
    """Whether this client now sees the page or gets the document."""
    return private.shown(client.get(private.address, REMOTE_ADDR=address))


def limit():
    return django_settings.PAGE_PASSWORD_ATTEMPTS


def window():
    return timedelta(seconds=django_settings.PAGE_PASSWORD_WINDOW)


def page_text(response):
    return " ".join(html(response).get_text(" ").split())


def assert_refused_for_too_many_guesses(response, private, minutes):
    assert response.status_code == 429
    assert "no-store" in response["Cache-Control"]
    soup = html(response)
    # The password page the visitor already knows, the same whatever password was given.
    assert soup.select_one("label[for=id_password]").get_text(strip=True) == "Password"
    assert f"You need a password to see this {private.what}." in page_text(response)
    assert (
        f"Too many wrong passwords. Wait {minutes} minutes, then try again, "
        "or ask the person who sent you the link." in page_text(response)
    )
    assert private.title not in response.content.decode()


@pytest.mark.parametrize("private", KINDS, indirect=True)
def test_guessing_the_password_is_stopped_even_at_the_right_one(private):
    client = Client()
    guess_wrong(client, private, limit())

    refused = guess(client, private, PASSWORD)

    assert_refused_for_too_many_guesses(refused, private, minutes=15)
    assert not let_in(client, private)


@pytest.mark.parametrize("private", KINDS, indirect=True)
def test_the_right_password_within_the_limit_lets_the_visitor_in_and_clears_the_count(private):
    client = Client()
    guess_wrong(client, private, limit() - 1)

    response = guess(client, private, PASSWORD)

    assert response.status_code == 302
    assert let_in(client, private)
    # The count starts again: a whole allowance of mistakes before the next refusal.
    another_visit = Client()
    guess_wrong(another_visit, private, limit())
    assert guess(another_visit, private, PASSWORD).status_code == 429


@pytest.mark.parametrize("private", KINDS, indirect=True)
def test_a_guesser_does_not_lock_out_a_colleague_at_another_address(private):
    guesser = Client()
    guess_wrong(guesser, private, limit())
    assert guess(guesser, private, PASSWORD).status_code == 429

    colleague = Client()
    response = guess(colleague, private, PASSWORD, address=COLLEAGUE)

    assert response.status_code == 302
    assert let_in(colleague, private, address=COLLEAGUE)


@pytest.mark.parametrize("kind", KINDS)
def test_guesses_at_one_password_do_not_lock_the_visitor_out_of_another(initial_content, kind):
    guessed, other = make_private(kind, 0), make_private(kind, 1)
    client = Client()
    guess_wrong(client, guessed, limit())

    assert guess(client, guessed, PASSWORD).status_code == 429
    assert guess(client, other, PASSWORD).status_code == 302


@pytest.mark.parametrize("private", KINDS, indirect=True)
def test_the_right_password_works_again_once_the_window_since_the_first_wrong_one_has_passed(private, clock):
    client = Client()
    guess_wrong(client, private, 1)
    clock.shift(timedelta(minutes=10))
    guess_wrong(client, private, limit() - 1)

    assert_refused_for_too_many_guesses(guess(client, private, PASSWORD), private, minutes=5)
    clock.shift(window() - timedelta(minutes=10))

    assert guess(client, private, PASSWORD).status_code == 302
    assert let_in(client, private)


def test_guessing_through_another_pages_address_counts_against_the_same_password(initial_content):
    # Wagtail's view takes any page's id beside the restriction's: the count must not.
    about = Page.objects.get(slug="about")
    restriction = restrict(about)
    client = Client()
    for page in Page.objects.all()[: limit()]:
        response = client.post(
            f"/_util/authenticate_with_password/{restriction.id}/{page.id}/",
            {"password": WRONG, "return_url": about.url},
            REMOTE_ADDR=GUESSER,
        )
        assert response.status_code == 200

    private = SimpleNamespace(
        address=about.url,
        action=f"/_util/authenticate_with_password/{restriction.id}/{about.id}/",
        title=about.title,
        what="page",
    )
    assert_refused_for_too_many_guesses(guess(client, private, PASSWORD), private, minutes=15)


@pytest.mark.parametrize("private", KINDS, indirect=True)
def test_a_guesser_cannot_escape_the_limit_by_sending_x_forwarded_for(private):
    client = Client()
    for number in range(limit()):
        guess_wrong(client, private, 1, HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")

    assert guess(client, private, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429


@pytest.mark.parametrize("private", KINDS, indirect=True)
def test_the_count_keeps_no_visitors_address(private):
    guess_wrong(Client(), private, 2)

    keys = list(cache._cache)  # the test cache is local memory
    assert any("private-password" in key for key in keys)
    assert not any(GUESSER in key for key in keys)


@pytest.mark.parametrize("private", KINDS, indirect=True)
def test_passwords_still_work_unthrottled_when_the_cache_is_down(private, monkeypatch, caplog):
    def cache_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(cache, "add", cache_down)
    client = Client()
    guess_wrong(client, private, limit() + 1)

    assert guess(client, private, PASSWORD).status_code == 302
    assert let_in(client, private)
    assert "passwords of private pages and documents are not being limited" in caplog.text


def test_the_limit_and_the_window_come_from_the_environment():
    names = ["PAGE_PASSWORD_ATTEMPTS", "PAGE_PASSWORD_WINDOW"]
    loaded = load_settings("test", {"PAGE_PASSWORD_ATTEMPTS": "5", "PAGE_PASSWORD_WINDOW": "3600"}, *names)
    assert loaded == {"PAGE_PASSWORD_ATTEMPTS": 5, "PAGE_PASSWORD_WINDOW": 3600}
    refused = load_settings("test", {"PAGE_PASSWORD_ATTEMPTS": "0"}, "PAGE_PASSWORD_ATTEMPTS")
    assert "PAGE_PASSWORD_ATTEMPTS and PAGE_PASSWORD_WINDOW must be 1 or more" in refused["error"]
