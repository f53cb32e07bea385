"""
A new workshop's booking form and moderation: the form asks the public for
personal details, so its questions are reviewed like any page, and nobody
has to remember to submit it.

The rule, for a workshop's *new* booking form (one never published: the form
add_the_booking_form gives each new workshop, with any questions the editor
has added since):

- Submitting the workshop for approval submits its new form too, by the same
  person to the same workflow: the moderator finds both under "Awaiting your
  review" and approves (or sends back) each. A form in moderation goes live
  only by its own approval, never with the workshop's.
- Publishing the workshop for the first time without moderation (a
  Moderator's *Publish*, or a scheduled go-live) publishes its new form with
  it, as long as the form is
  not in moderation: a Moderator has reviewed what they publish, and adding
  a workshop and opening its booking stay one step.
- Either may be approved first: booking opens only when both are live (a
  live form under a workshop not yet live is not found; BookingFormPage.route).

A form once live is an ordinary page: later changes to its questions are
submitted and approved on their own, as for every page. So is a new form
whose own moderation was sent back for changes.
"""


def new_booking_form(event):
    """The workshop's booking form if it has never been published, else None."""
    from ..models import BookingFormPage

    return BookingFormPage.objects.child_of(event).filter(live=False, first_published_at=None).first()


def in_moderation(page):
    """Submitted for approval and not yet approved or cancelled (sent back for changes counts)."""
    return page.current_workflow_state is not None


def submit_with_its_workshop(event, workflow, user):
    """The workshop has been submitted to `workflow` by `user`: its new booking form goes with it."""
    form_page = new_booking_form(event)
    if form_page is not None and not in_moderation(form_page):
        workflow.start(form_page, user)


def publish_with_its_workshop(event):
    """
    The workshop has been published for the first time: its new form goes
    live with it, unless a moderator is to review it. Not at a later
    publication, whose publisher reviewed the workshop's change, not a form
    drafted since; nor when the workshop is only scheduled (Wagtail signals
    that too): then when the schedule publishes it.
    """
    if not event.live or event.first_published_at != event.last_published_at:
        return
    form_page = new_booking_form(event)
    if form_page is None or in_moderation(form_page):
        return
    latest = form_page.get_latest_revision()
    if latest is not None:
        # The signal that calls this does not say who published, so the
        # form's publication is logged without a user.
        latest.publish()


def notes_on_approval(page):
    """
    What a moderator who has just approved a workshop or its booking form
    should know (home/moderation.py shows it): the other still awaits review,
    and booking opens only when both are live.
    """
    from ..models import BookingFormPage, EventPage

    if isinstance(page, EventPage):
        form_page = BookingFormPage.objects.child_of(page).first()
        if form_page is not None and in_moderation(form_page):
            return [
                (
                    f"Its booking form, '{form_page.get_admin_display_title()}', still awaits review: "
                    "booking opens when it is approved too.",
                    form_page,
                )
            ]
    elif isinstance(page, BookingFormPage):
        event = page.get_parent()
        if not event.live:
            return [(f"Booking opens when its workshop, '{event.get_admin_display_title()}', is approved too.", event)]
    return []
