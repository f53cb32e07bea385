"""Forms render in NHS.UK markup, with the error summary pattern, wherever the site shows one."""

import pytest
from django import forms
from django.template import Context, Template
from wagtail.models import PageViewRestriction

from home.models import StandardPage
from tests.conftest import html


class SampleForm(forms.Form):
    full_name = forms.CharField(label="Full name")
    email = forms.EmailField(label="Work email address", help_text="We send your confirmation here.")
    job_title = forms.CharField(label="Job title", required=False)
    role = forms.ChoiceField(
        label="Your role",
        choices=[("nursing", "Director of Nursing"), ("hr", "Director of HR")],
        widget=forms.RadioSelect,
    )
    needs = forms.CharField(label="Access needs", widget=forms.Textarea, required=False)
    consent = forms.BooleanField(label="I have read the privacy notice")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("full_name") == "Nobody":
            raise forms.ValidationError("This booking cannot be made.")
        return cleaned


def render(form):
    rendered = Template("{% load nhsuk_forms %}{% nhsuk_form form %}").render(Context({"form": form}))
    return html(type("Response", (), {"content": rendered.encode()}))


def test_a_valid_or_unbound_form_has_no_error_summary():
    soup = render(SampleForm())
    assert not soup.select(".nhsuk-error-summary")
    assert soup.select_one("#id_full_name")["class"] == ["nhsuk-input"]
    assert soup.select_one("label[for=id_job_title]").get_text(strip=True) == "Job title (optional)"
    assert soup.select_one("label[for=id_full_name]").get_text(strip=True) == "Full name"


def test_hints_are_announced_with_their_field():
    soup = render(SampleForm())
    assert soup.select_one("#id_email-hint").get_text(strip=True) == "We send your confirmation here."
    assert soup.select_one("#id_email")["aria-describedby"] == "id_email-hint"


def test_errors_are_summarised_at_the_top_and_each_links_to_its_field():
    soup = render(SampleForm(data={"email": "not-an-email", "full_name": "Nobody"}))
    summary = soup.select_one(".nhsuk-error-summary")
    assert summary is soup.find("div")  # the first thing in the form
    assert summary.select_one("[role=alert] h2").get_text(strip=True) == "There is a problem"
    items = [(item.get_text(strip=True), item.a["href"] if item.a else None) for item in summary.select("li")]
    assert items == [
        ("This booking cannot be made.", None),
        ("Enter a valid email address.", "#id_email"),
        ("This field is required.", "#id_role_0"),
        ("This field is required.", "#id_consent"),
    ]
    for href in [a["href"] for a in summary.select("a")]:
        assert soup.select_one(href), f"{href} must exist for the link to work"


def test_a_field_in_error_is_marked_and_its_message_announced():
    soup = render(SampleForm(data={"email": "not-an-email"}))
    group = soup.select_one("#id_email").find_parent(class_="nhsuk-form-group")
    assert "nhsuk-form-group--error" in group["class"]
    assert "nhsuk-input--error" in soup.select_one("#id_email")["class"]
    message = soup.select_one("#id_email-error")
    assert message.get_text(" ", strip=True) == "Error: Enter a valid email address."
    assert soup.select_one("#id_email")["aria-describedby"] == "id_email-hint id_email-error"
    assert soup.select_one("#id_email")["aria-invalid"] == "true"


def test_choices_are_a_fieldset_of_nhs_radios():
    soup = render(SampleForm(data={}))
    fieldset = soup.select_one("fieldset.nhsuk-fieldset")
    assert fieldset.legend.get_text(strip=True) == "Your role"
    assert fieldset["aria-describedby"] == "id_role-error"
    radios = fieldset.select("input.nhsuk-radios__input[type=radio]")
    assert [radio["id"] for radio in radios] == ["id_role_0", "id_role_1"]
    assert [label.get_text(strip=True) for label in fieldset.select("label.nhsuk-radios__label")] == [
        "Director of Nursing",
        "Director of HR",
    ]


def test_a_single_checkbox_and_a_textarea_use_nhs_classes():
    soup = render(SampleForm())
    assert "nhsuk-checkboxes__input" in soup.select_one("#id_consent")["class"]
    assert soup.select_one("label.nhsuk-checkboxes__label[for=id_consent]")
    assert soup.select_one("textarea#id_needs")["class"] == ["nhsuk-textarea"]


def test_errors_for_the_whole_form_appear_in_the_summary_without_a_link():
    soup = render(SampleForm(data={"full_name": "Nobody", "email": "a@example.org", "role": "hr", "consent": "on"}))
    items = soup.select(".nhsuk-error-summary__list li")
    assert [item.get_text(strip=True) for item in items] == ["This booking cannot be made."]
    assert not items[0].find("a")


@pytest.mark.django_db
def test_a_password_protected_page_asks_in_the_site_layout_and_explains_a_wrong_password(client, initial_content):
    about = StandardPage.objects.get(slug="about")
    PageViewRestriction.objects.create(page=about, restriction_type="password", password="workshop2020")  # noqa: S106

    soup = html(client.get("/about/"))
    assert soup.select_one("header.nhsuk-header") and soup.main.h1.get_text(strip=True) == "Password required"
    form = soup.main.form
    assert "nhsuk-input" in form.select_one("input[type=password]")["class"]

    response = client.post(form["action"], {"password": "wrong", "return_url": "/about/"})
    soup = html(response)
    summary = soup.select_one(".nhsuk-error-summary")
    assert summary.select_one("a")["href"] == "#id_password"
    assert "The password you have entered is not correct" in summary.get_text()

    response = client.post(form["action"], {"password": "workshop2020", "return_url": "/about/"}, follow=True)
    assert html(response).main.h1.get_text(strip=True) == "About the Collaborative"


def test_a_form_of_filters_can_leave_optional_unsaid():
    class Filters(forms.Form):
        mark_optional_fields = False
        year = forms.ChoiceField(label="Year", choices=[("", "Any year")], required=False)

    assert render(Filters()).select_one("label[for=id_year]").get_text(strip=True) == "Year"
