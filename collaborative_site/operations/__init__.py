"""
Running the site, as opposed to its content: backing up the database and
proving the backup restores (manage.py backup_and_verify). An installed app
of its own, with no models, so that its command needs no content app to
hold it and the core (home) never reaches up to the sections.
"""
