"""
Render any Django form in NHS.UK form markup: the error summary at the top,
then each field with its label, hint, error message and an input that
points screen readers at both (aria-describedby).

    {% load nhsuk_forms %}
    <form method="post" novalidate>
      {% csrf_token %}
      {% nhsuk_form form %}
      <button class="nhsuk-button" type="submit">Continue</button>
    </form>
"""

from django import forms, template
from django.utils.html import format_html

register = template.Library()

INPUT_CLASSES = {
    "input": ("nhsuk-input", "nhsuk-input--error"),
    "textarea": ("nhsuk-textarea", "nhsuk-textarea--error"),
    "select": ("nhsuk-select", "nhsuk-select--error"),
    "checkbox": ("nhsuk-checkboxes__input", ""),
    "radios": ("nhsuk-radios__input", ""),
    "checkboxes": ("nhsuk-checkboxes__input", ""),
}


def field_kind(bound_field):
    widget = bound_field.field.widget
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    return "input"


def field_anchor(bound_field):
    """The id an error summary link jumps to: the field's input, or its first option."""
    if field_kind(bound_field) in {"radios", "checkboxes"}:
        return f"{bound_field.auto_id}_0"
    return bound_field.id_for_label


def _input_attrs(bound_field, kind, described_by):
    base_class, error_class = INPUT_CLASSES[kind]
    classes = [bound_field.field.widget.attrs.get("class", ""), base_class]
    if bound_field.errors:
        classes.append(error_class)
    attrs = {"class": " ".join(c for c in classes if c)}
    if described_by and kind not in {"radios", "checkboxes"}:
        attrs["aria-describedby"] = described_by
    return attrs


@register.inclusion_tag("includes/forms/error_summary.html")
def nhsuk_error_summary(form):
    """The "There is a problem" box: every error, each linking to its field."""
    errors = [{"anchor": "", "message": message} for message in form.non_field_errors()]
    for bound_field in form:
        for message in bound_field.errors:
            anchor = field_anchor(bound_field)
            if bound_field.is_hidden:
                anchor = ""
            errors.append({"anchor": anchor, "message": message})
    return {"errors": errors}


@register.inclusion_tag("includes/forms/form.html")
def nhsuk_form(form, summary=True):
    """
    The form's fields in NHS.UK style, after its error summary; summary=False
    when the page draws the summary itself, at the top of the page.
    """
    # A form may draw some fields itself, such as a spam trap kept out of sight.
    separate = getattr(form, "rendered_separately", ())
    fields = [field for field in form.visible_fields() if field.name not in separate]
    return {"form": form, "fields": fields, "summary": summary}


@register.inclusion_tag("includes/forms/field.html")
def nhsuk_field(bound_field):
    kind = field_kind(bound_field)
    hint_id = f"{bound_field.auto_id}-hint" if bound_field.help_text else ""
    error_id = f"{bound_field.auto_id}-error" if bound_field.errors else ""
    described_by = " ".join(filter(None, [hint_id, error_id]))
    attrs = _input_attrs(bound_field, kind, described_by)

    options = []
    if kind in {"radios", "checkboxes"}:
        # A widget may give each option a hint of its own (events' RadiosWithHints).
        option_hints = getattr(bound_field.field.widget, "option_hints", {})
        for option in bound_field.subwidgets:
            option.data["attrs"]["class"] = attrs["class"]
            hint = option_hints.get(str(option.data["value"]), "")
            hint_of_option = f"{option.id_for_label}-hint" if hint else ""
            if hint_of_option:
                option.data["attrs"]["aria-describedby"] = hint_of_option
            options.append(
                {
                    "tag": option.tag(),
                    "id": option.id_for_label,
                    "label": option.choice_label,
                    "hint": hint,
                    "hint_id": hint_of_option,
                }
            )
        widget = ""
    else:
        widget = bound_field.as_widget(attrs=attrs)

    return {
        "field": bound_field,
        "kind": kind,
        "widget": widget,
        "options": options,
        "hint_id": hint_id,
        "error_id": error_id,
        "described_by": described_by,
        # A form of filters, where every field is optional, says so by setting
        # mark_optional_fields = False rather than labelling each one.
        "optional": (
            not bound_field.field.required
            and kind != "checkbox"
            and getattr(bound_field.form, "mark_optional_fields", True)
        ),
    }


@register.simple_tag
def nhsuk_error_message(bound_field, error_id):
    """One message for all of a field's errors, announced with an "Error:" prefix."""
    return format_html(
        '<span class="nhsuk-error-message" id="{}"><span class="nhsuk-u-visually-hidden">Error:</span> {}</span>',
        error_id,
        " ".join(str(message) for message in bound_field.errors),
    )
