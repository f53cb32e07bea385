from django.contrib import messages
from wagtail import hooks
from wagtail.admin.userbar import ContentCheckerItem

from .models import HomePage, StandardPage
from .moderation import PageViewSet
from .sign_in import unlock

# The rules the site's own tests hold every page to (tests/browser), so that
# editors see in their own content what those tests would catch.
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


class WCAG22ContentChecker(ContentCheckerItem):
    """
    Wagtail's accessibility checker in the userbar (on previews and live
    pages, for signed-in editors), running every WCAG 2.2 AA rule rather than
    Wagtail's short default list, plus best practice (heading order, alt text
    quality) and an empty meta description.
    """

    axe_run_only = [*WCAG_22_AA, "best-practice", "seo"]


@hooks.register("construct_wagtail_userbar")
def check_pages_against_wcag_22_aa(request, items, page):
    items[:] = [
        WCAG22ContentChecker(in_editor=item.in_editor) if isinstance(item, ContentCheckerItem) else item
        for item in items
    ]


@hooks.register("register_admin_viewset")
def give_home_page_types_their_icons():
    # A PageViewSet per page type is how Wagtail gives a page type its own
    # icon in the explorer's headers and listings.
    return [
        PageViewSet("home_page", model=HomePage, icon="home"),
        PageViewSet("standard_page", model=StandardPage, icon="doc-empty"),
    ]


@hooks.register("construct_main_menu")
def tell_wagtails_reports_from_the_sites(request, menu_items):
    # Wagtail's "Reports" menu (site history, workflows, aging pages) is not
    # the site's Reports section, which has its own menu item: call it what
    # it is. Setting the label again on Wagtail's one menu item is harmless.
    for item in menu_items:
        if item.name == "reports":
            item.label = "Admin reports"


@hooks.register("before_create_page")
def say_at_the_top_when_a_new_pages_address_is_taken(request, parent_page, page_class):
    # Wagtail reports a slug already used by a sibling only beside the slug
    # field, on the Promote tab, which editors adding a page do not open:
    # they saw "could not be created" and no reason. Say it where they are,
    # naming the page that has the address. The address is not changed for
    # them ("about-2"): it is what people share and see in search results,
    # so the editor chooses it, now knowing where.
    slug = request.POST.get("slug") if request.method == "POST" else None
    taken_by = parent_page.get_children().filter(slug=slug).first() if slug else None
    if taken_by:
        messages.error(
            request,
            f"The address “{slug}” is already used by “{taken_by.specific_deferred.get_admin_display_title()}” "
            f"under {parent_page.get_admin_display_title()}: give this page another in the Slug field "
            "on the Promote tab (the last part of its web address).",
        )


@hooks.register("after_edit_user")
def unlock_an_account_given_a_new_password(request, user):
    # An administrator who sets a new password for someone locked out after
    # too many failed sign-ins means them to use it now, not after the
    # cool-off. (Wagtail calls this hook only once the user is saved.)
    if request.POST.get("password1") and unlock(user.get_username()):
        messages.info(request, f"{user.get_username()} can sign in with the new password now: the account is unlocked.")
