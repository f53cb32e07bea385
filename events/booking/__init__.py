"""
Booking a place at a workshop. Where each rule lives:

- rules.py: who gets a place, who joins the waiting list, cancelling and
  promoting, one decision at a time per workshop (its lock).
- event.py: what booking asks of an event (has it started, is booking open
  and why not, places left), a mixin EventPage inherits.
- abuse.py: the limit on booking attempts per client. forms.py refuses a form
  sent too fast or with its hidden field filled; rules.py tells an address's
  owner of a repeat booking at most once an hour.
- privacy.py: erasing bookers' personal details.
- emails.py: the e-mails, recorded with the booking and sent after it commits.
- follow_up.py: the follow-up e-mail the day after a workshop (held back,
  released or sent now by an administrator), and the news of its report.
- questions.py: the standard questions, declared once; the form, the exports,
  the inspect view and erasure follow from it.
- forms.py: the booking form (standard questions, then the editor's own).
- exports.py: the bookings as spreadsheets, safe to open.
- attendance_report.py: the people in an online workshop's attendance
  report from Microsoft Teams or Zoom, as an administrator uploads it.
- admin.py and admin_views.py: the Bookings menu, the dashboard panel, and
  the admin's views (cancel, promote, register, notify, erase).
- feedback.py: feedback after a workshop (its questions, one anonymous
  response per attendee, the summary, names cleared at retention);
  feedback_views.py the form at the attendee's link, feedback_admin_views.py
  the summary and export in the admin.

The models stay in events/models/bookings.py, and the background tasks in
events/tasks.py, whose import paths queued tasks are stored by.
"""
