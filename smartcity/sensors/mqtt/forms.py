"""Forms of the MQTT dead-letter pages; the deletions are use cases in :mod:`.dead_letters`."""

from django import forms
from django.utils.translation import gettext_lazy

from smartcity.sensors.mqtt import dead_letters

# Ten years: far beyond the 30 days the consumer keeps dead letters anyway.
MAX_DAYS = 3650


class DeadLetterFilterForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason contains"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Upper and lower case do not matter."),
    )


class DeadLetterPurgeForm(forms.Form):
    days = forms.IntegerField(
        label=gettext_lazy("Received more than this many days ago"),
        min_value=0,
        max_value=MAX_DAYS,
        initial=7,
        help_text=gettext_lazy("0 deletes every dead letter."),
    )

    def save(self, user) -> int:
        return dead_letters.delete_older_than(user, self.cleaned_data["days"])
