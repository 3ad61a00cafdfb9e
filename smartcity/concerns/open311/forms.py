from django import forms
from django.utils.translation import gettext_lazy as _

from smartcity.concerns.open311.models import ApiKey


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Partner app"),
        max_length=ApiKey._meta.get_field("name").max_length,
        help_text=_("Who gets the key, e.g. the app's and its operator's name."),
    )
