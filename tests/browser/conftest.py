"""Shared by the browser tests: the live site with its content, screen sizes, and the axe-core check."""

import io
from pathlib import Path

import axe_playwright_python
import pytest
from django.core.management import call_command

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
AXE_SCRIPT = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def site(live_server):
    """The site as make run serves it, demo workshop included, on a live server."""
    call_command("load_initial_content", "--demo", stdout=io.StringIO())
    return live_server.url


@pytest.fixture(autouse=True)
def no_content_security_policy_violations(browser):
    """
    Every page a browser test opens is watched for anything the Content
    Security Policy blocked (an inline script, a style, a file from another
    origin): the site must work under its own policy, admin included.
    """
    blocked = []
    open_page = browser.new_page

    def new_page(*args, **kwargs):
        page = open_page(*args, **kwargs)
        page.on(
            "console",
            lambda message: (
                blocked.append(f"{page.url}: {message.text}") if "Content Security Policy" in message.text else None
            ),
        )
        return page

    browser.new_page = new_page
    yield
    browser.new_page = open_page
    assert blocked == [], "\n".join(blocked)


def assert_no_accessibility_violations(page):
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_AA)
    violations = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at {node['target']}"
        for violation in results["violations"]
        for node in violation["nodes"]
    ]
    for violation in violations:
        print(violation)
    assert violations == [], f"{page.url}: " + "; ".join(violations)


def wait_until(page, condition, seconds=5):
    """
    Wait until a JavaScript condition holds in the page, such as the focus
    having moved. Polled from here: Playwright's wait_for_function proved
    unreliable after other tests' downloads.
    """
    for _ in range(int(seconds * 10)):
        if page.evaluate(condition):
            return
        page.wait_for_timeout(100)
    state = page.evaluate("[location.href, document.activeElement && document.activeElement.outerHTML.slice(0, 80)]")
    raise AssertionError(f"{condition} did not become true within {seconds} seconds; page and focus: {state}")


@pytest.fixture
def roles(site):
    """
    The Editors, Moderators and Booking administrators groups and the
    moderation workflow, as migrations make them: browser tests empty the
    database between them, taking those with it.
    """
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import (
        Collection,
        GroupApprovalTask,
        GroupCollectionPermission,
        GroupPagePermission,
        Page,
        Workflow,
        WorkflowPage,
        WorkflowTask,
    )

    def permissions(app_label, *codenames):
        return Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)

    root = Page.get_first_root_node()
    collections = Collection.get_first_root_node()
    snippets = [
        f"{action}_{model}" for model in ("venue", "contact", "audiencerole") for action in ("add", "change", "view")
    ]
    groups = {}
    for name, page_permissions in [
        ("Editors", ["add_page", "change_page"]),
        ("Moderators", ["add_page", "change_page", "publish_page"]),
    ]:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions("wagtailadmin", "access_admin"), *permissions("events", *snippets))
        for permission in permissions("wagtailcore", *page_permissions):
            GroupPagePermission.objects.get_or_create(group=group, page=root, permission=permission)
        media = [*permissions("wagtaildocs", "add_document", "change_document", "choose_document")]
        media += permissions("wagtailimages", "add_image", "change_image", "choose_image")
        for permission in media:
            GroupCollectionPermission.objects.get_or_create(group=group, collection=collections, permission=permission)
        groups[name] = group
    bookings, _ = Group.objects.get_or_create(name="Booking administrators")
    bookings.permissions.add(
        *permissions("wagtailadmin", "access_admin"),
        *permissions("events", "view_booking", "change_booking", "export_booking", "erase_booking"),
    )
    groups[bookings.name] = bookings

    if not WorkflowPage.objects.filter(page=root).exists():
        task = GroupApprovalTask.objects.create(name="Moderators approval")
        task.groups.add(groups["Moderators"])
        workflow = Workflow.objects.create(name="Moderators approval", active=True)
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        WorkflowPage.objects.create(workflow=workflow, page=root)
    return groups
