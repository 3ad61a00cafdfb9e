from django import forms
from django.utils.translation import gettext_lazy as _


class PointLookupForm(forms.Form):
    """A WGS84 point; the ranges are those of longitude and latitude."""

    lon = forms.FloatField(
        label=_("Longitude (degrees east)"),
        min_value=-180,
        max_value=180,
        help_text=_("For example 13.7416 for the Frauenkirche."),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    lat = forms.FloatField(
        label=_("Latitude (degrees north)"),
        min_value=-90,
        max_value=90,
        help_text=_("For example 51.0519 for the Frauenkirche."),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
