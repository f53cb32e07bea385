"""Every page type previews, in every preview mode it offers, with the content it has."""

import io

import pytest
from django.core.management import call_command
from wagtail.models import Page, get_page_models

pytestmark = pytest.mark.django_db


def test_every_page_type_has_a_description_and_previews(initial_content):
    call_command("load_initial_content", "--demo", stdout=io.StringIO())
    previewed = set()

    for model in get_page_models():
        if model is Page:
            continue
        assert model.page_description, f"{model.__name__} tells editors what it is for"
        page = model.objects.live().first()
        assert page is not None, f"no {model.__name__} in the initial content to preview"
        for mode, _label in page.preview_modes:
            response = page.make_preview_request(preview_mode=mode)
            assert response.status_code == 200, f"{model.__name__} preview ({mode or 'default'})"
            previewed.add(model.__name__)

    assert previewed >= {
        "HomePage",
        "StandardPage",
        "NewsAndEventsIndexPage",
        "EventPage",
        "NewsPage",
        "BookingFormPage",
        "ReportIndexPage",
        "ReportPage",
    }


def test_every_page_type_has_its_own_icon(admin_client):
    from wagtail.admin.viewsets.pages import page_viewset_registry

    icons = {model: page_viewset_registry.get_by_type(model).icon for model in get_page_models() if model is not Page}
    assert all(icons.values()), icons
    assert len(set(icons.values())) == len(icons), f"each page type looks different: {icons}"

    # The admin shows it, for example heading the list of pages of that type.
    for model, icon in icons.items():
        response = admin_client.get(f"/admin/pages/usage/{model._meta.app_label}/{model._meta.model_name}/")
        assert response.status_code == 200
        assert f"icon icon-{icon} w-breadcrumbs__icon" in response.content.decode(), model.__name__


def test_every_field_an_editor_fills_has_help_text():
    from django.db import models

    from events.models import AudienceRole, Contact, Venue

    page_fields = {field.name for field in Page._meta.get_fields()}
    missing = [
        f"{model.__name__}.{field.name}"
        for model in [*get_page_models(), Venue, Contact, AudienceRole]
        if model is not Page
        for field in model._meta.get_fields()
        if field.name not in page_fields
        and getattr(field, "editable", False)
        and not field.auto_created
        and not isinstance(field, models.AutoField)
        and not getattr(field, "help_text", "")
    ]

    assert missing == []
