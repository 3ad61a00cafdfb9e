"""Forms of the sensor web pages. They validate; the writes are use cases in
:mod:`smartcity.sensors.services` and :mod:`smartcity.sensors.alerting.services`."""

from datetime import UTC, datetime, timedelta

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smartcity.core.accounts.models import Organisation
from smartcity.core.permissions import is_platform_admin
from smartcity.sensors import services
from smartcity.sensors.alerting import rules
from smartcity.sensors.alerting import services as alerting
from smartcity.sensors.alerting.models import AlertRule, render_message
from smartcity.sensors.models import Datastream, SensorToken, Thing
from smartcity.sensors.services import (
    manageable_organisations,
    manageable_things,
    readable_datastreams,
)

# --- Time series ---------------------------------------------------------------------------

RANGES = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
INTERVALS = ("raw", "hour", "day")
# A year (and a leap day) keeps hourly buckets and raw reads bounded.
MAX_SPAN = timedelta(days=366)
# Bucket arithmetic near the ends of Python's calendar (year 1 and 9999) overflows.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
SERIES_PARAMETERS = ("range", "start", "end", "interval")


def _local_input(attrs=None):
    return forms.DateTimeInput(
        attrs={"type": "datetime-local", **(attrs or {})}, format="%Y-%m-%dT%H:%M"
    )


class SeriesForm(forms.Form):
    """The time range and resolution of a Datastream's chart, table, JSON and CSV.

    Without ``range`` and without start/end it is the last 24 hours of raw values; start and
    end without ``range`` mean a custom range. Times without an offset are local (Dresden).
    """

    range = forms.ChoiceField(
        label=gettext_lazy("Time range"),
        choices=[
            ("24h", gettext_lazy("Last 24 hours")),
            ("7d", gettext_lazy("Last 7 days")),
            ("30d", gettext_lazy("Last 30 days")),
            ("custom", gettext_lazy("Custom range")),
        ],
        required=False,
        widget=forms.RadioSelect,
    )
    start = forms.DateTimeField(label=gettext_lazy("From"), required=False, widget=_local_input())
    end = forms.DateTimeField(label=gettext_lazy("To"), required=False, widget=_local_input())
    interval = forms.ChoiceField(
        label=gettext_lazy("Resolution"),
        choices=[
            ("raw", gettext_lazy("Raw values")),
            ("hour", gettext_lazy("Hourly minimum, mean and maximum")),
            ("day", gettext_lazy("Daily minimum, mean and maximum")),
        ],
        required=False,
    )

    def __init__(self, data, *, now=None, **kwargs):
        data = data.copy()
        if not data.get("range"):
            data["range"] = "custom" if data.get("start") or data.get("end") else "24h"
        if not data.get("interval"):
            data["interval"] = "raw"
        self.now = now or timezone.now()
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get("range")
        if chosen in RANGES:
            cleaned["end"] = self.now
            cleaned["start"] = self.now - RANGES[chosen]
        elif chosen == "custom":
            for name in ("start", "end"):
                if cleaned.get(name) is None and name not in self.errors:
                    self.add_error(
                        name,
                        ValidationError(self.fields[name].error_messages["required"], "required"),
                    )
        start, end = cleaned.get("start"), cleaned.get("end")
        for name, value in (("start", start), ("end", end)):
            if value is not None and not EARLIEST <= value <= LATEST:
                self.add_error(
                    name,
                    ValidationError(
                        _("Choose a time between the years %(first)s and %(last)s.")
                        % {"first": EARLIEST.year, "last": LATEST.year},
                        "bounds",
                    ),
                )
                return cleaned
        if start is not None and end is not None:
            if start >= end:
                raise ValidationError(_("The start must be before the end."), "order")
            if end - start > MAX_SPAN:
                raise ValidationError(
                    _("Choose a range of at most %(days)d days.") % {"days": MAX_SPAN.days},
                    "span",
                )
        return cleaned

    def error_detail(self) -> str:
        """All errors in one line, for the JSON and CSV answers."""
        parts = []
        for name, errors in self.errors.items():
            text = " ".join(errors)
            parts.append(text if name == NON_FIELD_ERRORS else f"{name}: {text}")
        return " ".join(parts)


# --- Things --------------------------------------------------------------------------------


class ThingForm(forms.ModelForm):
    class Meta:
        model = Thing
        fields = ["name", "description", "organisation", "is_private"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        field = self.fields["organisation"]
        field.queryset = manageable_organisations(user)
        # Staff would lose the Thing without an organisation: only admins may leave it empty.
        field.required = not is_platform_admin(user)

    def save(self, commit=True):
        if not commit:
            raise ValueError("ThingForm saves and records the change at once")
        return services.update_thing(self.user, self.instance)


# --- Sensor tokens -------------------------------------------------------------------------

PLATFORM_SCOPE = "platform"


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=120,
        help_text=gettext_lazy("What the token is for, for example the data logger it is on."),
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("May write to"),
        help_text=gettext_lazy("Give a token the narrowest scope that works."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        groups = []
        if is_platform_admin(user):
            groups.append(
                (_("Platform"), [(PLATFORM_SCOPE, _("Every thing of the platform"))]),
            )
        organisations = [
            (f"organisation:{org.pk}", _("Every thing of %(organisation)s") % {"organisation": org})
            for org in manageable_organisations(user)
        ]
        if organisations:
            groups.append((_("Organisations"), organisations))
        things = [(f"thing:{thing.pk}", thing.name) for thing in manageable_things(user)]
        if things:
            groups.append((_("Single things"), things))
        self.fields["scope"].choices = groups

    def clean_scope(self):
        value = self.cleaned_data["scope"]
        if value == PLATFORM_SCOPE:
            return (None, None)
        kind, _sep, pk = value.partition(":")
        if kind == "organisation":
            return (manageable_organisations(self.user).get(pk=pk), None)
        return (None, manageable_things(self.user).get(pk=pk))

    def save(self) -> tuple[SensorToken, str]:
        """Issue the token; returns it and its secret, which is shown once and never stored."""
        organisation, thing = self.cleaned_data["scope"]
        return services.issue_token(
            self.user, self.cleaned_data["name"], organisation=organisation, thing=thing
        )


# --- Alert rules ---------------------------------------------------------------------------


def _number(label, help_text="", **kwargs):
    return forms.FloatField(label=label, help_text=help_text, required=False, **kwargs)


# Per parameter of a rule kind: its form field (built per kind, so labels can differ).
def _parameter_field(name: str) -> forms.Field:
    if name == "level":
        return _number(gettext_lazy("Level"), gettext_lazy("In the datastream's unit."))
    if name == "direction":
        return forms.ChoiceField(
            label=gettext_lazy("Alert when the value is"),
            choices=[
                (rules.ABOVE, gettext_lazy("above the level")),
                (rules.BELOW, gettext_lazy("below the level")),
            ],
            initial=rules.ABOVE,
            required=False,
        )
    if name == "hysteresis":
        return _number(
            gettext_lazy("Hysteresis (optional)"),
            gettext_lazy(
                "How far the value must move back before the alert closes; "
                "stops alerts from flickering. Empty: 0."
            ),
            min_value=0,
        )
    if name == "count":
        return forms.IntegerField(
            label=gettext_lazy("Values in a row"),
            help_text=gettext_lazy("How many values in a row must be beyond the level."),
            min_value=1,
            required=False,
        )
    if name == "rise":
        return _number(
            gettext_lazy("Rise"), gettext_lazy("More than this rise, in the datastream's unit.")
        )
    if name == "window_minutes":
        return _number(
            gettext_lazy("Window in minutes"),
            gettext_lazy("At most %(minutes)s minutes (72 hours).")
            % {"minutes": rules.MAX_WINDOW_MINUTES},
        )
    if name == "limit":
        return _number(
            gettext_lazy("Limit of the sum"),
            gettext_lazy("More than this sum within the window, in the datastream's unit."),
        )
    if name == "minutes":
        return _number(
            gettext_lazy("Minutes without a value"),
            gettext_lazy("Alert when no value arrived for longer than this."),
        )
    raise LookupError(name)


# The parameters of each kind, in form order, and which of them must be given.
KIND_PARAMETERS = {
    rules.Threshold.kind: ("level", "direction", "hysteresis"),
    rules.Consecutive.kind: ("level", "count", "direction", "hysteresis"),
    rules.RateOfRise.kind: ("rise", "window_minutes", "hysteresis"),
    rules.RollingSum.kind: ("limit", "window_minutes", "hysteresis"),
    rules.Staleness.kind: ("minutes",),
}
REQUIRED_PARAMETERS = frozenset({"level", "count", "rise", "window_minutes", "limit", "minutes"})
KIND_HELP = {
    rules.Threshold.kind: gettext_lazy("An alert opens when a value is beyond a level."),
    rules.Consecutive.kind: gettext_lazy(
        "An alert opens when several values in a row are beyond a level; single spikes do not."
    ),
    rules.RateOfRise.kind: gettext_lazy(
        "An alert opens when the value rose by more than a given amount within a window."
    ),
    rules.RollingSum.kind: gettext_lazy(
        "An alert opens when the sum of the values within a window is more than a limit "
        "(rain totals)."
    ),
    rules.Staleness.kind: gettext_lazy(
        "An alert opens when no value arrived for a while: the sensor or its link has failed."
    ),
}


def parameter_field_name(kind: str, name: str) -> str:
    return f"{kind}__{name}"


class RuleForm(forms.Form):
    """Create (with ``datastream``) or edit (with ``rule``) an alert rule.

    Every kind's parameter fields are in the form, grouped per kind, so that the page works
    without JavaScript; only the chosen kind's fields are read.
    """

    datastream = forms.ModelChoiceField(
        label=gettext_lazy("Datastream"), queryset=Datastream.objects.none()
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"),
        queryset=Organisation.objects.none(),
        help_text=gettext_lazy("Its members manage the rule and its alerts."),
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"),
        choices=AlertRule.Severity.choices,
        initial=AlertRule.Severity.WARNING,
    )
    notify_organisation = forms.BooleanField(
        label=gettext_lazy("Notify the organisation's members"), required=False, initial=True
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of rule"),
        choices=[(kind, gettext_lazy(cls.label)) for kind, cls in rules.KINDS.items()],
        widget=forms.RadioSelect,
        initial=rules.Threshold.kind,
    )

    def __init__(self, *args, user, rule: AlertRule | None = None, **kwargs):
        self.user, self.rule = user, rule
        if rule is not None:
            initial = {
                "name": rule.name,
                "organisation": rule.organisation_id,
                "severity": rule.severity,
                "notify_organisation": rule.notify_organisation,
                "is_active": rule.is_active,
                "kind": rule.kind,
            }
            for name, value in rule.parameters.items():
                initial[parameter_field_name(rule.kind, name)] = value
            kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        organisations = manageable_organisations(user)
        self.fields["organisation"].queryset = organisations
        if rule is None and organisations.count() == 1:
            self.fields["organisation"].initial = organisations.get().pk
        if rule is None:
            self.fields["datastream"].queryset = readable_datastreams(user)
            self.fields["datastream"].label_from_instance = lambda ds: (
                f"{ds.thing.name}: {ds.observed_property.name}"
            )
        else:
            del self.fields["datastream"]
        for kind, names in KIND_PARAMETERS.items():
            for name in names:
                self.fields[parameter_field_name(kind, name)] = _parameter_field(name)

    def kind_groups(self):
        """Per kind: its key, label, help text and bound parameter fields (for the template)."""
        return [
            {
                "kind": kind,
                "label": _(rules.KINDS[kind].label),
                "help": KIND_HELP[kind],
                "fields": [self[parameter_field_name(kind, name)] for name in names],
            }
            for kind, names in KIND_PARAMETERS.items()
        ]

    def main_fields(self):
        names = ["datastream", "name", "organisation", "severity"]
        return [self[name] for name in names if name in self.fields]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind not in KIND_PARAMETERS:
            return cleaned
        parameters = {}
        for name in KIND_PARAMETERS[kind]:
            field_name = parameter_field_name(kind, name)
            if field_name in self.errors:
                continue
            value = cleaned.get(field_name)
            if value in (None, ""):
                if name in REQUIRED_PARAMETERS:
                    message = self.fields[field_name].error_messages["required"]
                    self.add_error(field_name, ValidationError(message, "required"))
                continue
            parameters[name] = value
        if any(parameter_field_name(kind, name) in self.errors for name in KIND_PARAMETERS[kind]):
            return cleaned
        try:
            cleaned["parameters"] = rules.rule_for(kind, parameters).params
        except rules.ParameterError as error:
            field_name = parameter_field_name(kind, error.name)
            self.add_error(
                field_name if field_name in self.fields else None,
                render_message(error.message.as_dict()),
            )
        return cleaned

    def _fields(self) -> dict:
        data = self.cleaned_data
        names = ("name", "kind", "parameters", "severity", "organisation", "notify_organisation")
        return {**{name: data[name] for name in names}, "is_active": data["is_active"]}

    def save(self) -> AlertRule | None:
        """Create or change the rule through the alerting services; None if they refused the
        input (the errors are then on the form). PermissionDenied passes through."""
        try:
            if self.rule is None:
                return alerting.create_rule(
                    self.user, self.cleaned_data["datastream"], **self._fields()
                )
            return alerting.update_rule(self.user, self.rule, **self._fields())
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.message_dict.items():
                    self.add_error(name if name in self.fields else None, errors)
            else:
                self.add_error(None, error)
            return None


class AlertActionForm(forms.Form):
    """The optional note on acknowledging or closing an alert."""

    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        required=False,
        max_length=alerting.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
