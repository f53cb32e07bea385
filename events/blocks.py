"""The blocks of a workshop's agenda: parts of the day, each a list of sessions with their speakers."""

from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from wagtail import blocks

from .forms import TimeOfDayField


class TypedTimeBlock(blocks.TimeBlock):
    """
    A session's time typed as people write it ("3:30pm", "15.30", "noon"),
    as a workshop's own times are: Wagtail's time picker turns "3:30pm"
    into 03:30 as the editor leaves the box.
    """

    @cached_property
    def field(self):
        return TimeOfDayField(**self.field_options)


class SpeakerBlock(blocks.StructBlock):
    name = blocks.CharBlock(required=False, max_length=120, help_text="e.g. Dr Jacqui Dyer. Leave blank if not known.")
    role = blocks.CharBlock(required=False, max_length=120, help_text="e.g. Director of Nursing. Optional.")
    organisation = blocks.CharBlock(
        required=False, max_length=150, help_text="e.g. Health Education England. Optional."
    )

    class Meta:
        icon = "user"
        label = "Speaker"

    def clean(self, value):
        value = super().clean(value)
        if not value["name"] and not value["organisation"]:
            raise blocks.StructBlockValidationError(
                block_errors={"name": ValidationError("Give the speaker's name, their organisation, or both.")}
            )
        return value


class SessionBlock(blocks.StructBlock):
    time = TypedTimeBlock(
        required=False,
        help_text=(
            "When the session starts, as you would write it (2:15pm, 14:15). Leave blank if no time is set: "
            "the part of the day (Morning) says when."
        ),
    )
    title = blocks.CharBlock(max_length=300, help_text="What the session is about, as the agenda words it.")
    speakers = blocks.ListBlock(SpeakerBlock(), min_num=0, default=[], help_text="Who presents. Optional.")
    to_be_confirmed = blocks.BooleanBlock(
        required=False,
        help_text="Tick while the session or its speaker is not confirmed: the agenda shows '(to be confirmed)'.",
    )
    description = blocks.TextBlock(required=False, help_text="A sentence or two more about the session. Optional.")

    class Meta:
        icon = "time"
        label = "Session"


class AgendaPartBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120, help_text="A part of the day, e.g. Morning, or Workshop presentations.")
    sessions = blocks.ListBlock(SessionBlock())

    class Meta:
        icon = "list-ul"
        label = "Part of the day"
        template = "events/blocks/agenda_part.html"
        description = "A part of the day with its sessions in order."


class AgendaBlock(blocks.StreamBlock):
    part = AgendaPartBlock()
