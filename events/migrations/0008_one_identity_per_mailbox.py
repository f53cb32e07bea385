import logging
import re
import unicodedata

from django.db import migrations, models

logger = logging.getLogger(__name__)


def identity(email):
    # A copy of events.models.bookings.normalise_email as it stood when this
    # migration was written: a migration must not change with the code.
    address = unicodedata.normalize("NFKC", (email or "").strip())
    local, at, domain = address.rpartition("@")
    if not at:
        return address.casefold()
    if len(local) >= 2 and local.startswith('"') and local.endswith('"'):
        local = re.sub(r"\\(.)", r"\1", local[1:-1])
    domain = domain.rstrip(".").casefold()
    try:
        domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        pass
    return f"{local.casefold()}@{domain}"


def renormalise(apps, schema_editor):
    """
    Give every stored booking the new identity of its address. Where two
    bookings at one workshop turn out to be one mailbox (made before this
    change), the later keeps its old identity, so that neither is lost: a
    Booking administrator sees both in the list and may cancel one.
    """
    Booking = apps.get_model("events", "Booking")
    taken = set(Booking.objects.exclude(email_normalised="").values_list("event_id", "email_normalised"))
    stored = Booking.objects.exclude(email="").order_by("submit_time", "pk")
    for pk, event_id, email, old in list(stored.values_list("pk", "event_id", "email", "email_normalised")):
        new = identity(email)
        if new == old:
            continue
        if (event_id, new) in taken:
            logger.warning("Booking %s is a second booking of one mailbox at event %s", pk, event_id)
            continue
        taken.discard((event_id, old))
        taken.add((event_id, new))
        Booking.objects.filter(pk=pk).update(email_normalised=new)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0007_booking_contacts_email_set_by_booking_administrators"),
    ]

    operations = [
        migrations.AlterField(
            model_name="bookingemail",
            name="kind",
            field=models.CharField(
                choices=[
                    ("confirmation", "Booking confirmed"),
                    ("waiting_list", "On the waiting list"),
                    ("promotion", "Place offered from the waiting list"),
                    ("cancellation", "Cancellation confirmed"),
                    ("reminder", "Reminder"),
                    ("update", "Workshop changed"),
                    ("contact_notice", "Notice to the booking contact"),
                    ("repeat_request", "Asked to book again"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(renormalise, migrations.RunPython.noop),
    ]
