"""Certificates of attendance (to be built)."""

from django.http import Http404


def certificate_page(request, token):
    raise Http404


def certificate_pdf(request, token):
    raise Http404


def verify_certificate(request, code=None):
    raise Http404
