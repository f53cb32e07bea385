"""
The News and events section's snippets in the admin: venues, booking
contacts, the organisations bookers choose from and audience roles, under one menu named for what it holds
("News and events" in the menu opens the section's pages).
events/wagtail_hooks.py registers them.
"""

from wagtail.admin.ui.tables import BooleanColumn
from wagtail.snippets.views.snippets import DeleteView, SnippetViewSet, SnippetViewSetGroup

from .booking import admin_views
from .models import AudienceRole, Contact, Organisation, Venue


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


class OrganisationDeleteView(DeleteView):
    @property
    def confirmation_message(self):
        chosen_by = self.object.bookings.count()
        if not chosen_by:
            return super().confirmation_message
        bookings = "booking chose" if chosen_by == 1 else "bookings chose"
        return (
            f"{chosen_by} {bookings} {self.object.name} from the list. They keep the name as the booker saw it, "
            "and are counted by that name, but are no longer linked to this organisation "
            "(nor counted as a member's). Are you sure you want to delete it?"
        )


class OrganisationViewSet(SnippetViewSet):
    model = Organisation
    icon = "group"
    menu_label = "Organisations"
    # A tick or a cross, not Python's True and False.
    list_display = [
        "name",
        "ods_code",
        BooleanColumn("is_member", label="Member of the Collaborative", sort_key="is_member"),
    ]
    list_filter = ["is_member"]
    search_fields = ["name"]
    # A plain database search over the names, as for audience roles: the
    # booking form's own list and choosers search the index.
    search_backend_name = None
    list_export = ["name", "ods_code", "is_member"]
    export_filename = "organisations"
    index_view_class = admin_views.FormulaSafeSnippetIndexView
    delete_view_class = OrganisationDeleteView


class AudienceRoleViewSet(SnippetViewSet):
    model = AudienceRole
    icon = "group"
    menu_label = "Audience roles"
    list_display = ["name"]
    search_fields = ["name"]
    # Not in the search index: a plain database search over its one field.
    search_backend_name = None


class NewsAndEventsSnippets(SnippetViewSetGroup):
    items = (VenueViewSet, ContactViewSet, OrganisationViewSet, AudienceRoleViewSet)
    menu_icon = "snippet"
    menu_label = "Venues and contacts"
    menu_name = "venues-and-contacts"
    # After the sections' own items (News and events, Reports), before Images.
    menu_order = 130
