"""
The News and events section's snippets in the admin: venues, booking
contacts and audience roles, under one menu named for what it holds
("News and events" in the menu opens the section's pages).
events/wagtail_hooks.py registers them.
"""

from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .booking import admin_views
from .models import AudienceRole, Contact, Venue


class VenueViewSet(SnippetViewSet):
    model = Venue
    icon = "site"
    menu_label = "Venues"
    list_display = ["name", "town_or_city", "postcode"]
    list_filter = ["town_or_city"]
    list_export = ["name", "address_line_1", "address_line_2", "town_or_city", "postcode", "nearest_station"]
    export_filename = "venues"
    index_view_class = admin_views.FormulaSafeSnippetIndexView
    # Searches the model's own search index (Venue.search_fields): naming
    # fields here makes Wagtail's SQLite full-text backend fail.
    ordering = ["town_or_city", "name"]


class ContactViewSet(SnippetViewSet):
    model = Contact
    icon = "user"
    menu_label = "Booking contacts"
    list_display = ["name", "role", "email", "phone"]
    list_export = ["name", "role", "email", "phone"]
    export_filename = "booking-contacts"
    index_view_class = admin_views.FormulaSafeSnippetIndexView


class AudienceRoleViewSet(SnippetViewSet):
    model = AudienceRole
    icon = "group"
    menu_label = "Audience roles"
    list_display = ["name"]
    search_fields = ["name"]
    # Not in the search index: a plain database search over its one field.
    search_backend_name = None


class NewsAndEventsSnippets(SnippetViewSetGroup):
    items = (VenueViewSet, ContactViewSet, AudienceRoleViewSet)
    menu_icon = "snippet"
    menu_label = "Venues and contacts"
    menu_name = "venues-and-contacts"
    # After the sections' own items (News and events, Reports), before Images.
    menu_order = 130
