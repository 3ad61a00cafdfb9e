"""Forms of the citizens' pages: the report, the filters of the public map and list, and
the reporter's answers (reopening, "Is it fixed?").

The report form collects what a citizen typed and leaves the checking to
``services.submit_concern``, which reports every problem at once: the form's fields are
therefore optional on the server (the browser still marks the required ones), and the
service's errors are put back on the fields with :meth:`ReportForm.add_service_errors`.
"""

import functools
import secrets
from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from smartcity.concerns import attributes, workflow
from smartcity.concerns.models import DESCRIPTION_MAX_LENGTH, MAX_PHOTOS, NOTE_MAX_LENGTH, State
from smartcity.concerns.services import Contact, active_categories, attribute_field
from smartcity.concerns.services.reporting import ADDRESS_MAX_LENGTH
from smartcity.concerns.web.citizen_places import DISTRICT_KINDS, district_point
from smartcity.concerns.web.common import check_period, day_field, period_filters
from smartcity.core.geography import services as geography
from smartcity.core.uploads.forms import MultipleImageFileInput

# Service error keys shown next to the place rather than a single input.
LOCATION = "location"


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


def district_choices() -> list[tuple[str, str]]:
    return [(area.slug, area.name) for area in geography.list_areas(DISTRICT_KINDS)]


class PhotosField(forms.FileField):
    """Up to three photos in one input, passed on unchecked: ``submit_concern`` checks
    their number, type and size together with everything else."""

    widget = MultipleImageFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [file for file in files if file]


def _attribute_field(attribute) -> forms.Field:
    """A form field for one of the category's questions, in its Open311 data type."""
    common = {"label": attribute.description, "help_text": attribute.datatype_description}
    marks = {"required": True} if attribute.required else {}
    datatype, choices = attribute.datatype, list(attribute.spec().values)
    if datatype == attributes.SINGLEVALUELIST:
        if not attribute.required:
            choices = [("", _("not specified")), *choices]
        return forms.ChoiceField(
            choices=choices, required=False, widget=forms.RadioSelect(attrs=marks), **common
        )
    if datatype == attributes.MULTIVALUELIST:
        return forms.MultipleChoiceField(
            choices=choices, required=False, widget=forms.CheckboxSelectMultiple, **common
        )
    if datatype == attributes.DATETIME:
        return forms.DateTimeField(
            required=False,
            widget=forms.DateTimeInput(attrs={"type": "datetime-local", **marks}),
            **common,
        )
    if datatype == attributes.NUMBER:
        return forms.CharField(
            required=False,
            widget=forms.TextInput(attrs={"inputmode": "decimal", **marks}),
            **common,
        )
    if datatype == attributes.TEXT:
        return forms.CharField(
            required=False,
            max_length=attributes.TEXT_MAX_LENGTH,
            widget=forms.Textarea(attrs={"rows": 3, **marks}),
            **common,
        )
    return forms.CharField(
        required=False,
        max_length=attributes.STRING_MAX_LENGTH,
        widget=forms.TextInput(attrs=marks),
        **common,
    )


class ReportForm(forms.Form):
    """A citizen's report of one category: place, description, answers, photos, contact."""

    lat = forms.CharField(
        label=_("Latitude"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    lon = forms.CharField(
        label=_("Longitude"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    district = forms.ChoiceField(
        label=_("Or choose the district"),
        required=False,
        choices=lambda: [("", _("– no district chosen –")), *district_choices()],
        help_text=_(
            "Without a map: choose the district and describe the exact place under "
            "“Address or landmark”."
        ),
    )
    address = forms.CharField(
        label=_("Address or landmark"),
        required=False,
        max_length=ADDRESS_MAX_LENGTH,
        help_text=_("For example “Prager Straße 12” or “at the playground entrance”."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    description = forms.CharField(
        label=_("What is the problem?"),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        help_text=_("Describe what you see and, if it matters, since when."),
        widget=forms.Textarea(attrs={"rows": 5, "required": True}),
    )
    photos = PhotosField(
        label=_("Photos"),
        required=False,
        help_text=format_lazy(
            _(
                "Up to {max} photos (JPEG, PNG or WebP). Location and camera data are removed "
                "from them before they are stored."
            ),
            max=MAX_PHOTOS,
        ),
    )
    contact_name = forms.CharField(
        label=_("Name"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact_email = forms.CharField(
        label=_("E-mail"),
        required=False,
        help_text=_("We write to you when something happens to your report."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    contact_phone = forms.CharField(
        label=_("Phone"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, category, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", new_idempotency_key())
        super().__init__(*args, **kwargs)
        self.category = category
        self.location_errors: list[str] = []
        # True when the place is a district's middle, not a point the reporter chose.
        self.approximate_place = False
        self.notes = []  # informational attributes: text without an answer
        self.attribute_codes = {}  # field name -> attribute code
        for attribute in category.attributes.all():
            if not attribute.variable:
                self.notes.append(attribute)
                continue
            name = attribute_field(attribute.code)
            self.fields[name] = _attribute_field(attribute)
            self.attribute_codes[name] = attribute.code

    @property
    def attribute_fields(self):
        return [self[name] for name in self.attribute_codes]

    @property
    def place_fields(self):
        return [self["lat"], self["lon"]]

    @property
    def contact_fields(self):
        return [self["contact_name"], self["contact_email"], self["contact_phone"]]

    def clean(self):
        data = super().clean()
        if not (data.get("lat") or data.get("lon")) and data.get("district"):
            point = district_point(data["district"])
            if point is not None:
                data["lat"], data["lon"] = point
                self.approximate_place = True
                if not data.get("address"):
                    self.add_error(
                        "address",
                        _("Please say where in the district: street and number, or a landmark."),
                    )
        return data

    def submission(self) -> dict:
        """The keyword arguments of ``submit_concern`` from the cleaned data."""
        data = self.cleaned_data
        answers = {}
        for name, code in self.attribute_codes.items():
            value = data.get(name)
            if isinstance(value, datetime):
                value = value.isoformat()
            if value not in (None, "", []):
                answers[code] = value
        return {
            "category": self.category,
            "lat": data.get("lat") or None,
            "lon": data.get("lon") or None,
            "address": data.get("address", ""),
            "description": data.get("description", ""),
            "attributes": answers,
            "photos": data.get("photos") or [],
            "contact": Contact(
                data.get("contact_name", ""),
                data.get("contact_email", ""),
                data.get("contact_phone", ""),
            ),
            "idempotency_key": data.get("idempotency_key", ""),
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """Put the service's errors on the fields; the place's errors go to the map."""
        for key, messages in error.message_dict.items():
            if key == LOCATION:
                self.location_errors.extend(messages)
            elif key == "idempotency_key":
                # Stale or foreign key (for example after logging in meanwhile): a fresh
                # one lets the next try go through.
                self.data = self.data.copy()
                self.data["idempotency_key"] = new_idempotency_key()
                self.add_error(None, messages)
            else:
                self.add_error(key if key in self.fields else None, messages)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.location_errors)


# Open311 status filters, named apart from the workflow state "open".
STATUS_FILTERS = {"all-open": ("open", _("all open")), "all-closed": ("closed", _("all closed"))}


def _category_choices():
    categories = active_categories().prefetch_related(None)  # names only
    return [("", _("all categories"))] + [(c.service_code, c.name) for c in categories]


def _district_filter_choices():
    return [("", _("all districts")), *district_choices()]


def _state_choices():
    return [
        ("", _("all states")),
        *((key, label) for key, (_status, label) in STATUS_FILTERS.items()),
        *((state, State(state).label) for state in workflow.STATES),
    ]


class ConcernFilterForm(forms.Form):
    """Filters of the public map and list (and of its GeoJSON): all optional."""

    # Choices as callables: read only when a page shows them or a filter is given, so
    # that an unfiltered request of the map's GeoJSON costs one query.
    category = forms.ChoiceField(label=_("Category"), required=False, choices=_category_choices)
    district = forms.ChoiceField(
        label=_("District"), required=False, choices=_district_filter_choices
    )
    state = forms.ChoiceField(label=_("State"), required=False, choices=_state_choices)
    since = day_field(_("Reported from"))
    until = day_field(_("Reported until"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Validating and drawing a field read its choices several times: once per form.
        self.fields["category"].choices = functools.cache(_category_choices)
        self.fields["district"].choices = functools.cache(_district_filter_choices)

    def clean(self):
        data = super().clean()
        check_period(self)
        return data

    def filters(self) -> dict:
        """Keyword arguments of ``services.filter_concerns``."""
        data = self.cleaned_data
        state = data.get("state") or ""
        return {
            "category": data.get("category") or None,
            "area": geography.area_by_slug(data["district"]) if data.get("district") else None,
            "states": [state] if state in workflow.STATES else None,
            "status": STATUS_FILTERS[state][0] if state in STATUS_FILTERS else None,
            **period_filters(data.get("since"), data.get("until")),
        }

    def query(self) -> dict:
        """The valid, non-empty filters as query parameters (for links and the map)."""
        return {
            name: value.isoformat() if hasattr(value, "isoformat") else value
            for name, value in self.cleaned_data.items()
            if value
        }


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("What is still wrong?"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FixedAnswerForm(forms.Form):
    """The reporter's answer to "Is it fixed?"; a "no" reopens and needs a reason (the
    service says so)."""

    fixed = forms.ChoiceField(choices=[("yes", _("yes")), ("no", _("no"))])
    reason = forms.CharField(
        label=_("If not: what is still wrong?"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
