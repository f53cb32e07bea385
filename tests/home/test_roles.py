"""The people who use the admin: their roles, the moderation workflow, and the local accounts make run creates."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from wagtail.models import Page, Workflow, WorkflowPage

from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_every_page_goes_through_the_moderators_approval(initial_content):
    workflow = WorkflowPage.objects.get(page=Page.get_first_root_node()).workflow

    assert workflow.active
    assert [task.name for task in workflow.tasks] == ["Moderators approval"]
    assert initial_content.get_workflow() == workflow
    assert Workflow.objects.filter(active=True).count() == 1


@pytest.mark.parametrize("group_name", ["Editors", "Moderators"])
def test_editors_and_moderators_keep_venues_and_contacts_but_never_see_bookings(
    client, initial_content, group_name, log_in
):
    log_in(group_name)

    for url in ["/admin/snippets/events/venue/add/", "/admin/snippets/events/contact/add/"]:
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("events_booking_modeladmin_index")).status_code in (302, 403)


def test_an_editor_submits_for_moderation_and_cannot_publish(client, initial_content):
    editor = make_user("editor", "Editors")
    about = Page.objects.get(slug="about").specific

    permissions = about.permissions_for_user(editor)

    assert permissions.can_edit()
    assert not permissions.can_publish()
    assert about.permissions_for_user(make_user("moderator", "Moderators")).can_publish()


def test_make_run_creates_one_local_account_per_role(initial_content, settings):
    settings.DEBUG = True
    output = io.StringIO()

    call_command("create_dev_admin", stdout=output)
    call_command("create_dev_admin", stdout=io.StringIO())

    users = get_user_model().objects
    assert users.get(username="admin").is_superuser
    groups = {user.username: [group.name for group in user.groups.all()] for user in users.exclude(username="admin")}
    assert groups == {
        "editor": ["Editors"],
        "moderator": ["Moderators"],
        "bookings": ["Booking administrators"],
    }
    printed = output.getvalue()
    for login in ["editor / changeme", "moderator / changeme", "bookings / changeme"]:
        assert login in printed
    assert users.get(username="editor").check_password("changeme")


def test_local_accounts_are_never_made_on_a_real_server(initial_content, settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("create_dev_admin", stdout=io.StringIO())


def test_a_moderator_sees_what_awaits_approval_on_the_dashboard(client, initial_content, log_in):
    editor = make_user("editor", "Editors")
    moderator = make_user("moderator", "Moderators")
    about = Page.objects.get(slug="about").specific
    about.title = "About the Collaborative (revised)"
    about.save_revision(user=editor)
    about.get_workflow().start(about, editor)

    log_in(moderator)
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "Awaiting your review" in dashboard
    assert "About the Collaborative (revised)" in dashboard
