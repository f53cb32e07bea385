from wagtail.signals import page_published

from home.restrictions import is_public


def tell_the_workshops_attendees(sender, instance, **kwargs):
    """
    A report naming the workshop it came from, once published for anyone to
    read, is news for the people who attended: each is e-mailed once, however
    often it is published again (events/booking/follow_up.py). A private
    report tells nobody.
    """
    if instance.workshop_id is None or not is_public(instance):
        return
    from events.booking.follow_up import tell_attendees_of_the_report

    tell_attendees_of_the_report(instance.workshop)


def register_signal_handlers():
    from .models import ReportPage

    page_published.connect(
        tell_the_workshops_attendees, sender=ReportPage, dispatch_uid="reports-tell-the-workshops-attendees"
    )
