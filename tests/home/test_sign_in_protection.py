"""
The admin's sign-in page against password guessing: after a few wrong
passwords a username is locked for a while, whatever password comes next,
on every app server at once (the count is in the shared database), without
locking out colleagues behind the same NHS address, and without telling an
attacker whether the username exists. Also how long a sign-in lasts.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.collaborative_site.test_settings import PRODUCTION_ENV, load_settings
from tests.conftest import PASSWORD, html, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
WRONG = "not-the-password"  # noqa: S105


def sign_in(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, **extra)


def fail(client, username, times, **extra):
    for _ in range(times):
        response = sign_in(client, username, WRONG, **extra)
    return response


def limit():
    return django_settings.AXES_FAILURE_LIMIT


def cool_off():
    return django_settings.AXES_COOLOFF_TIME


def signed_in(client):
    return client.get("/admin/").status_code == 200


def page_text(response):
    return " ".join(html(response).get_text(" ").split())


def messages_on(response):
    return [" ".join(item.get_text(" ").split()) for item in html(response).select(".messages li")]


def test_brute_force_refused_even_with_the_right_password_until_the_cool_off_ends(client, clock):
    make_user("ada", "Editors")

    last_failure = fail(client, "ada", limit())
    assert last_failure.status_code == 429
    right_password = sign_in(client, "ada", PASSWORD)

    assert right_password.status_code == 429
    assert not signed_in(client)
    minutes = int(cool_off().total_seconds() // 60)
    assert f"try again in {minutes} minutes" in page_text(right_password)

    clock.shift(cool_off() + timedelta(seconds=1))
    assert sign_in(client, "ada", PASSWORD).status_code == 302
    assert signed_in(client)


def test_sixty_guesses_at_four_a_second_then_the_right_one_does_not_get_in(client, clock):
    make_user("ada", "Editors")

    for _ in range(60):
        sign_in(client, "ada", WRONG)
        clock.shift(timedelta(seconds=0.25))
    response = sign_in(client, "ada", PASSWORD)

    assert response.status_code == 429
    assert not signed_in(client)


def test_trying_again_while_locked_does_not_restart_the_wait(client, clock):
    make_user("ada", "Editors")
    fail(client, "ada", limit())

    clock.shift(cool_off() - timedelta(minutes=5))
    still_locked = sign_in(client, "ada", WRONG)
    assert "try again in 5 minutes" in page_text(still_locked)

    clock.shift(timedelta(minutes=5, seconds=1))
    assert sign_in(client, "ada", PASSWORD).status_code == 302


def test_the_lockout_page_is_the_admins_sign_in_page_with_a_plain_message(client):
    make_user("ada", "Editors")

    response = fail(client, "ada", limit())

    page = html(response)
    assert response.status_code == 429
    assert "login" in page.body["class"]
    assert page.select_one("form.login-form input[name=password]") is not None
    [message] = messages_on(response)
    assert message.startswith("Too many failed attempts")
    assert "ask an administrator to unlock your account" in message


def test_the_lockout_page_tells_an_attacker_nothing_more(client):
    make_user("ada", "Editors")

    as_page = fail(client, "ada", limit())
    as_script = sign_in(client, "ada", WRONG, HTTP_X_REQUESTED_WITH="XMLHttpRequest")

    for response in (as_page, as_script):
        assert response.status_code == 429
        assert response["Content-Type"].startswith("text/html")
        # Neither the username tried nor how many tries are allowed.
        assert "ada" not in page_text(response)
        assert not re.search(rf"\b{limit()}\b", " ".join(messages_on(response)))


def test_an_unknown_username_is_locked_out_exactly_like_a_real_one(client):
    make_user("ada", "Editors")

    def attempts(username):
        responses = [sign_in(Client(), username, WRONG) for _ in range(limit() + 1)]
        return [(response.status_code, messages_on(response)) for response in responses]

    real = attempts("ada")
    unknown = attempts("nobody-by-this-name")

    assert real == unknown
    assert [status for status, _ in real] == [200] * (limit() - 1) + [429, 429]


def test_a_colleague_behind_the_same_nhs_address_can_still_sign_in(client):
    make_user("ada", "Editors")
    make_user("grace", "Editors")
    office = {"REMOTE_ADDR": "192.0.2.50"}
    fail(Client(**office), "ada", limit())

    colleague = Client(**office)
    assert sign_in(colleague, "grace", PASSWORD).status_code == 302
    assert signed_in(colleague)


def test_the_lockout_holds_on_every_app_server_sharing_the_database(clock):
    from axes.models import AccessAttempt

    make_user("ada", "Editors")
    # Four failures through one app server...
    fail(Client(REMOTE_ADDR="198.51.100.1", HTTP_USER_AGENT="Server A"), "ada", limit() - 1)
    # ...whose memory the next server does not share.
    cache.clear()
    other_server = Client(REMOTE_ADDR="198.51.100.2", HTTP_USER_AGENT="Server B")

    assert sign_in(other_server, "ada", WRONG).status_code == 429
    assert sign_in(other_server, "ada", PASSWORD).status_code == 429
    assert sum(AccessAttempt.objects.filter(username="ada").values_list("failures_since_start", flat=True)) == limit()


def test_a_successful_sign_in_forgets_the_failures_and_is_not_logged(client):
    from axes.models import AccessAttempt, AccessLog

    make_user("ada", "Editors")
    fail(client, "ada", limit() - 1)

    assert sign_in(client, "ada", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="ada").exists()
    assert not AccessLog.objects.exists()
    client.post("/admin/logout/")

    # A bad typing day is not held against her.
    assert fail(client, "ada", limit() - 1).status_code == 200
    assert sign_in(client, "ada", PASSWORD).status_code == 302


def test_an_attempt_record_keeps_no_password():
    from axes.models import AccessAttempt

    fail(Client(), "ada", 2)

    [attempt] = AccessAttempt.objects.all()
    assert WRONG not in attempt.post_data + attempt.get_data


def test_attempts_are_recorded_against_the_address_the_trusted_proxy_saw(settings):
    from axes.models import AccessAttempt

    forwarded = {"HTTP_X_FORWARDED_FOR": "10.9.9.9, 203.0.113.7", "REMOTE_ADDR": "10.0.0.1"}

    settings.TRUSTED_PROXY_COUNT = 0
    fail(Client(**forwarded), "direct", 1)
    settings.TRUSTED_PROXY_COUNT = 1
    fail(Client(**forwarded), "proxied", 1)
    # A proxy that writes something that is not an address costs the record
    # its address, not the visitor an error page.
    assert fail(Client(HTTP_X_FORWARDED_FOR="203.0.113.7:51234", REMOTE_ADDR="10.0.0.1"), "port", 1).status_code == 200

    addresses = dict(AccessAttempt.objects.values_list("username", "ip_address"))
    assert addresses == {"direct": "10.0.0.1", "proxied": "203.0.113.7", "port": None}


def test_the_password_reset_e_mail_does_not_get_round_the_lockout(client, clock):
    make_user("ada", "Editors")
    fail(client, "ada", limit())

    client.post("/admin/password_reset/", {"email": "ada@example.org"})
    [message] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/admin/password_reset/confirm/\S+/)", message.body).group(1)
    set_password_page = client.get(link, follow=True)
    new_password = "a-brand-new-long-password"  # noqa: S105
    done = client.post(
        set_password_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        follow=True,
    )
    assert done.status_code == 200

    # Resetting neither signs her in nor lifts the lock early...
    assert not signed_in(client)
    assert sign_in(client, "ada", new_password).status_code == 429
    # ...and the new password works once the cool-off is over.
    clock.shift(cool_off() + timedelta(seconds=1))
    assert sign_in(client, "ada", new_password).status_code == 302


def test_an_administrator_setting_a_new_password_unlocks_the_account(client, log_in):
    editor = make_user("ada", "Editors")
    fail(Client(), "ada", limit())
    log_in(superuser=True)
    new_password = "a-brand-new-long-password"  # noqa: S105

    response = client.post(
        reverse("wagtailusers_users:edit", args=[editor.pk]),
        {
            "username": "ada",
            "email": "ada@example.org",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "password1": new_password,
            "password2": new_password,
            "is_active": "on",
            "groups": [group.pk for group in editor.groups.all()],
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert "ada can sign in with the new password now" in page_text(client.get(response["Location"]))

    assert sign_in(Client(), "ada", new_password).status_code == 302


def test_editing_a_user_without_a_new_password_keeps_the_lock(client, log_in):
    editor = make_user("ada", "Editors")
    fail(Client(), "ada", limit())
    log_in(superuser=True)

    client.post(
        reverse("wagtailusers_users:edit", args=[editor.pk]),
        {"username": "ada", "email": "ada@example.org", "first_name": "Ada", "last_name": "L", "is_active": "on"},
    )

    assert sign_in(Client(), "ada", PASSWORD).status_code == 429


def test_an_administrator_unlocks_an_account_from_the_command_line():
    make_user("ada", "Editors")
    fail(Client(), "ada", limit())

    call_command("axes_reset_username", "ada", stdout=None)

    assert sign_in(Client(), "ada", PASSWORD).status_code == 302


def test_a_sign_in_lasts_a_working_day(client, clock):
    make_user("ada", "Editors")
    sign_in(client, "ada", PASSWORD)

    working_day = timedelta(seconds=django_settings.SESSION_COOKIE_AGE)

    clock.shift(working_day - timedelta(minutes=1))
    assert signed_in(client)
    clock.shift(timedelta(minutes=2))
    assert not signed_in(client)


def test_remember_me_does_not_stretch_a_sign_in_past_the_working_day(client, clock):
    make_user("ada", "Editors")
    client.post(LOGIN, {"username": "ada", "password": PASSWORD, "remember": "on"})

    assert client.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"] == django_settings.SESSION_COOKIE_AGE
    clock.shift(timedelta(seconds=django_settings.SESSION_COOKIE_AGE, minutes=1))
    assert not signed_in(client)


def test_the_limits_come_from_the_environment():
    names = ("AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME", "SESSION_COOKIE_AGE")
    defaults = load_settings("production", PRODUCTION_ENV, *names)
    assert defaults == {"AXES_FAILURE_LIMIT": 5, "AXES_COOLOFF_TIME": "0:15:00", "SESSION_COOKIE_AGE": 9 * 60 * 60}

    configured = load_settings(
        "production",
        {**PRODUCTION_ENV, "LOGIN_FAILURE_LIMIT": "8", "LOGIN_COOLOFF_MINUTES": "30", "SESSION_COOKIE_AGE": "28800"},
        *names,
    )
    assert configured == {"AXES_FAILURE_LIMIT": 8, "AXES_COOLOFF_TIME": "0:30:00", "SESSION_COOKIE_AGE": 28800}
