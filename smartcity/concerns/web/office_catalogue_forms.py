"""Forms of the catalogue editor: categories with their Open311 fields, questions with value
lists, routing rules, response templates and a category's own workflow. The services in
:mod:`smartcity.concerns.services.catalogue` check permissions and save."""

from django import forms
from django.utils.translation import gettext_lazy as _

from smartcity.concerns import attributes
from smartcity.concerns.models import (
    Category,
    CategoryAttribute,
    ResponseTemplate,
    RoutingRule,
    State,
)
from smartcity.concerns.services.catalogue import CATEGORY_TEXT_FIELDS
from smartcity.concerns.web.office_forms import district_choices
from smartcity.core.accounts.models import Organisation


class CategoryForm(forms.ModelForm):
    """All Open311 fields for platform admins; texts and target time for department admins."""

    class Meta:
        model = Category
        fields = [
            "service_code",
            "name",
            "group",
            "description",
            "keywords",
            "target_hours",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, may_manage: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_manage:
            for name in list(self.fields):
                if name not in CATEGORY_TEXT_FIELDS:
                    del self.fields[name]


def _value_lines(values) -> str:
    return "\n".join(f"{item['key']}: {item['name']}" for item in values or [])


class AttributeForm(forms.ModelForm):
    value_lines = forms.CharField(
        label=_("Values"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "For the choice types only: one value per line, as “key: name”, for example "
            "“gross: larger than a plate”. Keys are stored with the answers; keep them stable."
        ),
    )

    class Meta:
        model = CategoryAttribute
        fields = [
            "code",
            "description",
            "datatype",
            "datatype_description",
            "required",
            "variable",
            "order",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value_lines"].initial = _value_lines(self.instance.values)

    def clean(self):
        data = super().clean()
        values = []
        for number, line in enumerate(data.get("value_lines", "").splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            key, separator, name = line.partition(":")
            key, name = key.strip(), name.strip()
            if not separator or not key or not name:
                self.add_error(
                    "value_lines",
                    _("Line %(number)d: write “key: name”.") % {"number": number},
                )
                continue
            if len(key) > attributes.KEY_MAX_LENGTH:
                self.add_error(
                    "value_lines",
                    _("Line %(number)d: a key may be at most %(max)d characters long.")
                    % {"number": number, "max": attributes.KEY_MAX_LENGTH},
                )
            values.append({"key": key, "name": name})
        keys = [value["key"] for value in values]
        if len(set(keys)) != len(keys):
            self.add_error("value_lines", _("Each key may appear only once."))
        listed = data.get("datatype") in attributes.LIST_TYPES
        if listed and not values:
            self.add_error("value_lines", _("A choice needs at least one value."))
        if values and data.get("datatype") and not listed:
            self.add_error("value_lines", _("Only the choice types have values."))
        self.instance.values = values
        return data

    def _update_errors(self, errors):
        # The model checks the stored list too; its findings belong to the lines typed, and
        # are left out where the lines were refused already (with a clearer message).
        if hasattr(errors, "error_dict") and "values" in errors.error_dict:
            found = errors.error_dict.pop("values")
            if "value_lines" not in self.errors:
                errors.error_dict["value_lines"] = found
        super()._update_errors(errors)


class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = ["area", "organisation"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = district_choices()
        self.fields["area"].empty_label = _("The whole city")
        self.fields["organisation"].queryset = Organisation.objects.all()


class ResponseTemplateForm(forms.ModelForm):
    class Meta:
        model = ResponseTemplate
        fields = ["title", "state", "text", "order"]
        widgets = {"text": forms.Textarea(attrs={"rows": 5})}


class TransitionForm(forms.Form):
    source = forms.ChoiceField(label=_("From"), choices=[("", "—"), *State.choices], required=False)
    target = forms.ChoiceField(label=_("To"), choices=[("", "—"), *State.choices], required=False)
    public_note = forms.BooleanField(label=_("Public note required"), required=False)

    def clean(self):
        data = super().clean()
        if bool(data.get("source")) != bool(data.get("target")):
            raise forms.ValidationError(_("Choose both states of a transition, or neither."))
        return data


class BaseTransitionFormSet(forms.BaseFormSet):
    def transitions(self) -> list[dict]:
        """The filled, kept rows as the stored workflow format."""
        return [
            {
                "from": form.cleaned_data["source"],
                "to": form.cleaned_data["target"],
                "public_note": form.cleaned_data["public_note"],
            }
            for form in self.forms
            if form.cleaned_data.get("source") and not form.cleaned_data.get("DELETE")
        ]


TransitionFormSet = forms.formset_factory(
    TransitionForm, formset=BaseTransitionFormSet, extra=3, can_delete=True, max_num=100
)


def transition_initial(category: Category) -> list[dict]:
    return [
        {"source": edge.source, "target": edge.target, "public_note": edge.public_note}
        for edge in category.get_workflow().edges
    ]
