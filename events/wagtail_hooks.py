"""
The events app's registrations with Wagtail, and nothing else: what they
register lives in events/snippets.py (the snippets' menu) and
events/booking/admin.py (the Bookings menu, the dashboard panel, the booking
form added with a workshop), and the admin's booking views in
events/booking/admin_views.py, (check-in and the online attendance
report) events/booking/checkin.py, (a workshop's feedback)
events/booking/feedback_admin_views.py and (what the Collaborative achieves)
events/booking/achievements.py.
"""

from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail_modeladmin.options import modeladmin_register

from home.admin_menu import SectionMenuItem
from home.moderation import PageViewSet

from .booking import achievements, admin_views, certificate_views, changes, checkin, feedback_admin_views
from .booking.admin import (
    BookingAdmin,
    BookingAdministratorMenuItem,
    BookingViewerMenuItem,
    PastAttendancePanel,
    UpcomingBookingsPanel,
    add_the_booking_form,
    booking_forms_only_for_booking_administrators,
)
from .models import BookingFormPage, EventPage, FeedbackFormPage, NewsAndEventsIndexPage, NewsPage
from .snippets import NewsAndEventsSnippets

register_snippet(NewsAndEventsSnippets)


@hooks.register("register_admin_viewset")
def give_news_and_events_page_types_their_icons():
    return [
        PageViewSet("news_and_events_index_page", model=NewsAndEventsIndexPage, icon="calendar-alt"),
        PageViewSet("event_page", model=EventPage, icon="calendar"),
        PageViewSet("news_page", model=NewsPage, icon="doc-full"),
        PageViewSet("booking_form_page", model=BookingFormPage, icon="form"),
        PageViewSet("feedback_form_page", model=FeedbackFormPage, icon="comment"),
    ]


@hooks.register("register_admin_menu_item")
def register_news_and_events_menu_item():
    # Just below Pages: the section editors come to most.
    return SectionMenuItem(
        "News and events", NewsAndEventsIndexPage, name="news-and-events", icon_name="calendar-alt", order=110
    )


# Bookings --------------------------------------------------------------------

modeladmin_register(BookingAdmin)

hooks.register("after_create_page", add_the_booking_form)


# Before Wagtail's forms app registers its own URLs, so that these
# addresses (the Forms listing Booking administrators open, and
# delete-submissions, which protects bookings) are the ones matched.
@hooks.register("register_admin_urls", order=-1)
def register_booking_admin_urls():
    return [
        path("forms/", admin_views.BookingFormsListView.as_view(), name="events_booking_forms"),
        path(
            "forms/results/",
            admin_views.BookingFormsListView.as_view(results_only=True),
            name="events_booking_forms_results",
        ),
        path(
            "forms/submissions/<int:page_id>/delete/",
            admin_views.delete_submissions,
            name="events_delete_submissions",
        ),
        path("bookings/<int:pk>/cancel/", admin_views.cancel_booking_view, name="events_cancel_booking"),
        path("bookings/<int:pk>/promote/", admin_views.promote_booking_view, name="events_promote_booking"),
        path(
            "bookings/workshop/<int:event_id>/register/", admin_views.booking_register, name="events_booking_register"
        ),
        path("bookings/workshop/<int:event_id>/notify/", admin_views.notify_bookers, name="events_notify_bookers"),
        path(
            "bookings/workshop/<int:event_id>/follow-up/<str:action>/",
            admin_views.follow_up_action,
            name="events_follow_up",
        ),
        path("bookings/erase/", admin_views.erase_bookings, name="events_erase_bookings"),
        path(
            "bookings/<int:pk>/certificate/",
            certificate_views.admin_certificate_pdf,
            name="events_booking_certificate",
        ),
        path("bookings/workshop/<int:event_id>/check-in/", checkin.check_in, name="events_check_in"),
        path("bookings/workshop/<int:event_id>/check-in/state/", checkin.check_in_state, name="events_check_in_state"),
        path(
            "bookings/workshop/<int:event_id>/check-in/<int:booking_id>/",
            checkin.check_in_tap,
            name="events_check_in_tap",
        ),
        path("bookings/workshop/<int:event_id>/walk-in/", checkin.add_walk_in_view, name="events_add_walk_in"),
        path(
            "bookings/workshop/<int:event_id>/attendance-report/",
            checkin.upload_attendance_report,
            name="events_upload_attendance_report",
        ),
        path(
            "bookings/attendance-by-organisation/",
            admin_views.attendance_by_organisation,
            name="events_attendance_by_organisation",
        ),
        path(
            "bookings/workshop/<int:event_id>/attendance-by-organisation/",
            admin_views.attendance_by_organisation,
            name="events_workshop_attendance_by_organisation",
        ),
        path(
            "bookings/workshop/<int:event_id>/feedback/",
            feedback_admin_views.feedback_summary_view,
            name="events_feedback_summary",
        ),
        path(
            "bookings/workshop/<int:event_id>/feedback/export/<str:spreadsheet_format>/",
            feedback_admin_views.export_feedback,
            name="events_export_feedback",
        ),
        path("achievements/", achievements.what_the_collaborative_achieves, name="events_achievements"),
    ]


hooks.register("filter_form_submissions_for_user", booking_forms_only_for_booking_administrators)
hooks.register("filter_form_submissions_for_user", feedback_admin_views.feedback_forms_only_for_feedback_readers)
hooks.register("register_page_listing_more_buttons", feedback_admin_views.read_feedback_buttons)
hooks.register("register_page_header_buttons", feedback_admin_views.read_feedback_header_buttons)


@hooks.register("insert_global_admin_css")
def booking_admin_css():
    return format_html('<link rel="stylesheet" href="{}">', static("events/admin.css"))


@hooks.register("register_log_actions")
def register_booking_log_actions(actions):
    actions.register_action("events.export_bookings", "Export bookings", "Exported bookings")
    actions.register_action("events.export_feedback", "Export feedback", "Exported the feedback responses")
    actions.register_action(
        achievements.EXPORT_ACTION, "Export figures", "Exported what the Collaborative achieves (figures only)"
    )
    actions.register_action("events.cancel_booking", "Cancel booking", "Cancelled a booking")
    actions.register_action(
        "events.download_certificate", "Download certificate", "Downloaded a certificate of attendance"
    )
    actions.register_action("events.promote_booking", "Give a place", "Gave a waiting-list booking a place")
    actions.register_action("events.notify_bookers", "Tell bookers", "E-mailed the bookers about a change")
    actions.register_action("events.erase_bookings", "Erase personal data", "Erased a person's booking details")
    actions.register_action("events.hand_over_booking", "Hand over a place", "A booker gave their place to a colleague")
    actions.register_action("events.add_walk_in", "Add a walk-in", "Added someone who came without a booking")
    actions.register_action(
        "events.hold_back_follow_up", "Hold back the follow-up", "Held back the workshop's follow-up e-mail"
    )
    actions.register_action(
        "events.release_follow_up", "Release the follow-up", "Released the workshop's follow-up e-mail"
    )
    actions.register_action(
        "events.send_follow_up_now", "Send the follow-up now", "Sent the workshop's follow-up e-mail at once"
    )
    actions.register_action(
        "events.upload_attendance_report",
        "Upload attendance report",
        "Marked online attendance from the videoconference report",
    )


hooks.register("after_publish_page", changes.say_who_was_told_on_publishing)


@hooks.register("register_admin_menu_item")
def register_erase_menu_item():
    return BookingAdministratorMenuItem(
        "Erase a person's data", reverse("events_erase_bookings"), icon_name="bin", order=260
    )


@hooks.register("register_reports_menu_item")
def register_attendance_report_menu_item():
    return BookingViewerMenuItem(
        "Attendance by organisation",
        reverse("events_attendance_by_organisation"),
        name="attendance-by-organisation",
        icon_name="table",
        order=650,
    )


@hooks.register("register_reports_menu_item")
def register_achievements_menu_item():
    return achievements.AchievementsMenuItem(
        achievements.TITLE,
        reverse("events_achievements"),
        name="what-the-collaborative-achieves",
        icon_name="group",
        order=640,
    )


@hooks.register("construct_homepage_panels")
def add_upcoming_bookings_panel(request, panels):
    panels.insert(0, UpcomingBookingsPanel())
    if request.user.has_perm("events.view_booking"):
        panels.insert(1, PastAttendancePanel())
