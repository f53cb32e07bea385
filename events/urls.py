from django.urls import path

from . import views
from .booking import certificate_views, feedback_views

# Booking pages that belong to a booking, not to a page: they keep working
# whatever an editor later does to the booking form.
urlpatterns = [
    path("booked/<str:token>/", views.booking_confirmation, name="booking_confirmation"),
    # The link in every e-mail about a booking: see it, and change it.
    path("manage/<str:token>/", views.booking_manage, name="booking_manage"),
    path("manage/<str:token>/attendance/", views.booking_change_attendance, name="booking_change_attendance"),
    path("manage/<str:token>/colleague/", views.booking_hand_over, name="booking_hand_over"),
    # Cancelling, the change most asked for, also has its own link in the e-mails.
    path("cancel/<str:token>/", views.booking_cancel, name="booking_cancel"),
    # After the workshop, each attendee's own: their feedback, and their certificate of attendance.
    path("feedback/<str:token>/", feedback_views.feedback_form, name="booking_feedback"),
    # Where a sent feedback form goes: its address names the form, not the attendee.
    path("feedback/thanks/<str:token>/", feedback_views.feedback_thanks, name="booking_feedback_thanks"),
    path("certificate/<str:token>/", certificate_views.certificate_page, name="booking_certificate"),
    path("certificate/<str:token>/pdf/", certificate_views.certificate_pdf, name="booking_certificate_pdf"),
]
