"""
Booking a place at a workshop: the rules (rules.py), the e-mails they send
(emails.py), the booking form (forms.py), the exports (exports.py) and the
admin's booking views (admin_views.py). The models stay in
events/models/bookings.py, and the background tasks in events/tasks.py.
"""
