from django import template

from home.documents import describe_document

register = template.Library()


@register.filter
def document_description(document):
    """ "PDF, 1.2 MB, 12 pages": a document's type, size and, for a PDF, its length."""
    return describe_document(document)
