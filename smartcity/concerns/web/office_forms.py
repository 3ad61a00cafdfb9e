"""Forms of the back office: the inbox filters, bulk actions and the actions on one concern.
They parse and check input; the services decide and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from smartcity.concerns import services, workflow
from smartcity.concerns.models import NOTE_MAX_LENGTH, Category, Concern, State
from smartcity.concerns.services import backoffice
from smartcity.concerns.web.common import check_period, day_field, period_filters
from smartcity.core.accounts.models import Membership, Organisation
from smartcity.core.geography.models import Area
from smartcity.core.geography.services import DISTRICT_KINDS
from smartcity.core.permissions import is_platform_admin, organisation_ids

# Reached through their own actions (merging, naming the external body), not a state change.
SPECIAL_TARGETS = (workflow.DUPLICATE, workflow.NOT_RESPONSIBLE)

# Whole groups of states, then single states ("open" is a state too, hence the names).
STATUS_FILTERS = {"all-open": "open", "all-closed": "closed", "any": None}
STATE_FILTERS = [
    ("all-open", _("All open")),
    ("all-closed", _("All closed")),
    ("any", _("All states")),
    *State.choices,
]
SORTS = {
    "urgency": (_("Most urgent first"), ("due_at", "submitted_at", "pk")),
    "newest": (_("Newest first"), ("-submitted_at", "-pk")),
    "oldest": (_("Oldest first"), ("submitted_at", "pk")),
    "updated": (_("Last changed first"), ("-updated_at", "-pk")),
    "category": (_("By category"), ("category__name", "due_at", "pk")),
    "district": (_("By district"), ("area__name", "due_at", "pk")),
}


def _note_field(label, *, required=False, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=help_text,
    )


def district_choices():
    return Area.objects.filter(kind__in=DISTRICT_KINDS).order_by("name")


def user_organisations(user):
    if is_platform_admin(user):
        return Organisation.objects.all()
    return Organisation.objects.filter(pk__in=organisation_ids(user))


class AssigneeChoice(forms.ModelChoiceField):
    def label_from_instance(self, membership):
        return (
            f"{membership.user} ({membership.organisation.short_name or membership.organisation})"
        )


class ScopeForm(forms.Form):
    """Which concerns: category, district and (for people in several) department."""

    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        to_field_name="service_code",
        required=False,
        empty_label=_("All categories"),
    )
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=Area.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=_("All districts"),
    )
    organisation = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Organisation.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=_("All my departments"),
    )

    def __init__(self, data, *, user):
        super().__init__(data)
        self.user = user
        self.fields["district"].queryset = district_choices()
        self.fields["organisation"].queryset = user_organisations(user)

    def scope(self, concerns, **more):
        """``concerns`` narrowed to the valid choices, and by ``filter_concerns`` ``more``."""
        data = self.cleaned_data
        concerns = services.filter_concerns(
            concerns, category=data.get("category"), area=data.get("district"), **more
        )
        if data.get("organisation") is not None:
            concerns = concerns.filter(organisation=data["organisation"])
        return concerns


class InboxFilterForm(ScopeForm):
    """The inbox's filters, read from the query string; empty means no filter."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Concern number, words of the description or the address."),
    )
    state = forms.ChoiceField(label=_("State"), choices=STATE_FILTERS, required=False)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    sort = forms.ChoiceField(
        label=_("Order"),
        choices=[(key, label) for key, (label, _order) in SORTS.items()],
        required=False,
    )

    def __init__(self, data, *, user):
        super().__init__(data, user=user)
        staff = backoffice.assignable_staff(user)
        people = {m.user_id: m.user for m in staff}
        self.fields["assignee"].choices = [
            ("", _("Anyone or nobody")),
            ("me", _("Me")),
            ("none", _("Nobody yet")),
            *sorted(((str(pk), str(u)) for pk, u in people.items()), key=lambda c: c[1]),
        ]
        self.people = people

    def narrow(self, concerns):
        """Apply the valid filters to ``concerns`` (a department inbox), in the chosen order."""
        data = self.cleaned_data
        state = data.get("state") or "all-open"
        concerns = self.scope(
            concerns,
            states=[state] if state in State.values else None,
            status=STATUS_FILTERS.get(state),
        )
        who = data.get("assignee") or ""
        person = self.user if who == "me" else self.people.get(int(who)) if who.isdigit() else None
        concerns = backoffice.narrow_inbox(
            concerns,
            assignee=person,
            unassigned=who == "none",
            overdue=bool(data.get("overdue")),
            text=data.get("q", ""),
        )
        return concerns.order_by(*SORTS[data.get("sort") or "urgency"][1])


class BulkForm(forms.Form):
    ASSIGN, STATE, PUBLISH = "assign", "state", "publish"

    concerns = forms.MultipleChoiceField(label=_("Selected concerns"))
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            (ASSIGN, _("Assign to")),
            (STATE, _("Change the state to")),
            (PUBLISH, _("Publish")),
        ],
    )
    assignee = AssigneeChoice(
        label=_("Assign to"), queryset=Membership.objects.none(), required=False
    )
    state = forms.ChoiceField(
        label=_("New state"),
        choices=[("", "—")]
        + [
            (value, label)
            for value, label in State.choices
            if value not in (workflow.SUBMITTED, *SPECIAL_TARGETS)
        ],
        required=False,
    )
    note = _note_field(
        _("Public note"), help_text=_("Sent to reporters and followers with the state change.")
    )

    def __init__(self, data, *, user):
        super().__init__(data)
        self.fields["assignee"].queryset = backoffice.assignable_staff(user)
        # Any number may be sent; the service says for each whether it is in the inbox.
        numbers = data.getlist("concerns") if data is not None else []
        self.fields["concerns"].choices = [(n, n) for n in numbers]

    def clean(self):
        data = super().clean()
        if data.get("action") == self.ASSIGN and not data.get("assignee"):
            self.add_error("assignee", _("Please choose whom to assign the concerns to."))
        if data.get("action") == self.STATE and not data.get("state"):
            self.add_error("state", _("Please choose the new state."))
        return data


class StateForm(forms.Form):
    state = forms.ChoiceField(label=_("New state"))
    note = _note_field(
        _("Public note"),
        help_text=_("Reporters and followers read it. Required where the state says so."),
    )

    def __init__(self, *args, transitions, **kwargs):
        super().__init__(*args, **kwargs)
        required = _("public note required")
        self.fields["state"].choices = [
            (t.state, f"{t.label} ({required})" if t.needs_public_note else t.label)
            for t in transitions
            if t.state not in SPECIAL_TARGETS
        ]


class NoteForm(forms.Form):
    text = _note_field(_("Note"), required=True)
    public = forms.TypedChoiceField(
        label=_("Who reads it"),
        choices=[
            ("0", _("Internal: staff of the department only")),
            ("1", _("Public: reporter, followers and everyone")),
        ],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="0",
    )


class AssignForm(forms.Form):
    assignee = AssigneeChoice(
        label=_("Assign to"),
        queryset=Membership.objects.none(),
        required=False,
        empty_label=_("Nobody"),
    )
    note = _note_field(_("Internal note"))

    def __init__(self, *args, concern: Concern, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = Membership.objects.filter(
            organisation=concern.organisation, user__is_active=True
        ).select_related("user", "organisation")


class ForwardForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Department"), queryset=Organisation.objects.none()
    )
    note = _note_field(_("Internal note"), help_text=_("Why it goes there, for the colleagues."))

    def __init__(self, *args, concern: Concern, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.exclude(
            pk=concern.organisation_id
        ).exclude(kind=Organisation.Kind.PARTNER)


class ExternalForm(forms.Form):
    body = forms.CharField(
        label=_("Responsible body"),
        max_length=200,
        help_text=_("For example: Deutsche Bahn, Landesamt für Straßenbau und Verkehr."),
    )
    note = _note_field(_("Public note"), help_text=_("Tell the reporter whom to turn to."))


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("Number of the original concern"),
        max_length=20,
        help_text=_("The concern this one repeats, such as K7QM-3XD2."),
    )
    note = _note_field(_("Public note"))


class WithholdForm(forms.Form):
    reason = _note_field(_("Why it must not be public (internal)"), required=True)


class HideForm(forms.Form):
    text = forms.BooleanField(label=_("Hide the description"), required=False)
    photos = forms.BooleanField(label=_("Hide the photos"), required=False)
    personal_data = forms.BooleanField(
        label=_("Hide the address and the exact location"), required=False
    )


class StatisticsForm(ScopeForm):
    since = day_field(_("Submitted from"))
    until = day_field(_("Submitted until"))

    def clean(self):
        data = super().clean()
        check_period(self)
        return data

    def narrow(self, concerns):
        data = self.cleaned_data
        return self.scope(concerns, **period_filters(data.get("since"), data.get("until")))
