from django import forms
from django.utils.translation import gettext as _

from smartcity.core.notifications.topics import EMAIL, OPTIONAL_CHANNELS, WEBPUSH


def _field_name(topic_slug: str, channel: str) -> str:
    return f"{topic_slug}__{channel}"


class PreferencesForm(forms.Form):
    """One checkbox per registered topic and optional channel."""

    def __init__(self, topics, current: dict[str, dict[str, bool]], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.topics = topics
        labels = {
            EMAIL: _("E-mail for “%(topic)s”"),
            WEBPUSH: _("Push notifications for “%(topic)s”"),
        }
        for topic in topics:
            for channel in OPTIONAL_CHANNELS:
                self.fields[_field_name(topic.slug, channel)] = forms.BooleanField(
                    required=False,
                    initial=current[topic.slug][channel],
                    label=labels[channel] % {"topic": topic.label},
                )

    def rows(self):
        """(topic, [bound field per optional channel]) for the table."""
        return [
            (topic, [self[_field_name(topic.slug, channel)] for channel in OPTIONAL_CHANNELS])
            for topic in self.topics
        ]

    def choices(self) -> dict[tuple[str, str], bool]:
        return {
            (topic.slug, channel): self.cleaned_data[_field_name(topic.slug, channel)]
            for topic in self.topics
            for channel in OPTIONAL_CHANNELS
        }
