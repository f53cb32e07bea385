from django.urls import path

from . import views

# Booking pages that belong to a booking, not to a page: they keep working
# whatever an editor later does to the booking form.
urlpatterns = [
    path("booked/<str:token>/", views.booking_confirmation, name="booking_confirmation"),
    path("cancel/<str:token>/", views.booking_cancel, name="booking_cancel"),
]
