"""Fixtures for the reports tests; the data they build comes from tests/reports/factories.py."""

import pytest

from reports.models import ReportIndexPage


@pytest.fixture
def reports_index(initial_content):
    return ReportIndexPage.objects.get()
