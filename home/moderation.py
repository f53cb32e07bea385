"""
Approving a page says what it did. Wagtail 8's Approve publishes without a
word of its own from the dashboard's "Awaiting your review" and says only
"has been updated" from the page's editor: a moderator could not tell
whether the page was now live. Every page type's viewset (each app's
wagtail_hooks.py) uses these views, so every approval is confirmed.

A page type may add notes to the message, as (text, page to review) pairs
from a `notes_on_approval()` method: a workshop whose booking form still
awaits review says so (events/booking/moderation.py).
"""

from django.urls import reverse
from django.utils import formats, timezone
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.views.pages.edit import EditView as WagtailEditView
from wagtail.admin.views.pages.workflow import WorkflowActionView as WagtailWorkflowActionView
from wagtail.admin.viewsets.pages import PageViewSet as WagtailPageViewSet


def say_what_approval_did(request, page):
    """After Approve: say what was published (or when it will be), and anything else still awaiting review."""
    page = page.specific_class.objects.get(pk=page.pk)
    if page.current_workflow_state is not None:
        # Approved at one step of a longer workflow: nothing is published yet.
        return
    title = page.get_admin_display_title()
    if page.live and not page.has_unpublished_changes:
        buttons = [messages.button(page.url, "View live", new_window=False)] if page.url else []
        messages.success(request, f"'{title}' has been approved and published.", buttons=buttons)
    elif page.scheduled_revision is not None:
        when = formats.date_format(timezone.localtime(page.scheduled_revision.approved_go_live_at), "j F Y, H:i")
        messages.success(request, f"'{title}' has been approved: it goes live on {when}.")
    else:
        return
    if page.live:
        # What publishing does besides says so here too (a workshop's bookers told of a change):
        # Wagtail runs these hooks after its editor's own Publish, not after an approval.
        for after_publishing in hooks.get_hooks("after_publish_page"):
            after_publishing(request, page)
    for text, other in getattr(page, "notes_on_approval", list)():
        messages.warning(
            request, text, buttons=[messages.button(reverse("wagtailadmin_pages:edit", args=[other.pk]), "Review it")]
        )


class WorkflowActionView(WagtailWorkflowActionView):
    """Approve (or another action) chosen under "Awaiting your review" on the dashboard."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if self.action_name == "approve":
            say_what_approval_did(request, self.object)
        return response


class EditView(WagtailEditView):
    """The page editor, whose Approve otherwise only says the page "has been updated"."""

    def add_save_confirmation_message(self):
        if self.action_name == "perform_workflow_action" and self.workflow_action == "approve":
            say_what_approval_did(self.request, self.page)
        else:
            super().add_save_confirmation_message()


class PageViewSet(WagtailPageViewSet):
    """Wagtail's page viewset, whose Approve says what it published: every page type's."""

    workflow_action_view_class = WorkflowActionView
    edit_view_class = EditView
