from wagtail.search import index


def index_the_published_page(sender, instance, **kwargs):
    """
    Index a page again once publishing has finished. Wagtail indexes a page
    as its row is saved, before the lists that hang off it (a workshop's
    audience, a report's documents) are saved, so words from those would
    otherwise wait for the next change to be found.
    """
    index.insert_or_update_object(instance.specific)
