from django.apps import AppConfig


class EventsConfig(AppConfig):
    """The "News and events" section: news items, workshops, venues and bookings."""

    name = "events"
    verbose_name = "News and events"

    def ready(self):
        from home import page_cache

        from .models import AttendanceTaken, Booking, BookingEmail, FeedbackResponse, FollowUp, OrganisationAtWorkshop
        from .signal_handlers import pages_a_booking_changes, pages_figures_change, register_signal_handlers

        register_signal_handlers()
        # A booking or cancellation changes the places left: the workshop's
        # own pages and the listings that show places, not the whole site.
        page_cache.forget_only(Booking, pages_a_booking_changes)
        # Attendance taken (no-shows are counted from then), a feedback
        # response (anonymous, shown only as counts and averages) and the
        # organisations' counts kept at erasure change workshops' figures,
        # which only what cites them shows (a report's "Workshop figures").
        for model in (AttendanceTaken, FeedbackResponse, OrganisationAtWorkshop):
            page_cache.forget_only(model, pages_figures_change)
        # A record of an e-mail sent changes nothing a visitor sees.
        page_cache.never_shown(BookingEmail)
        # Nor does holding back or recording a workshop's follow-up e-mail.
        page_cache.never_shown(FollowUp)
