"""One concern in the back office: all its data, contact data where the policy allows, the
public history apart from internal notes, and the actions that work it (workflow,
assignment, forwarding, merging, moderation), each through its service.

Each action is a plain POST form that answers with the page again (PRG); with HTMX the
page's working part is swapped in place instead, errors included.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from smartcity.concerns import services, workflow
from smartcity.concerns.models import Concern, State
from smartcity.concerns.services import backoffice
from smartcity.concerns.web.common import add_service_errors, concern_or_404
from smartcity.concerns.web.office_forms import (
    AssignForm,
    ExternalForm,
    ForwardForm,
    HideForm,
    MergeForm,
    NoteForm,
    StateForm,
    WithholdForm,
)
from smartcity.concerns.web.office_inbox import target_labels
from smartcity.core.accounts.models import Membership
from smartcity.core.decorators import staff_required
from smartcity.core.geography.services import area_feature_collection
from smartcity.core.permissions import can


def _answers(concern: Concern) -> list[tuple[str, str]]:
    """(question, answer) for each answered attribute, list keys shown by their names."""
    answers = []
    for attribute in concern.category.attributes.all():
        value = concern.attributes.get(attribute.code)
        if value in (None, "", []):
            continue
        names = {item["key"]: item["name"] for item in attribute.values or []}
        keys = value if isinstance(value, list) else [value]
        answers.append((attribute.description, ", ".join(str(names.get(key, key)) for key in keys)))
    return answers


def _place_geojson(concern: Concern) -> dict:
    features = area_feature_collection([concern.area] if concern.area else [])["features"]
    features.append(
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [concern.lon, concern.lat]},
            "properties": {"name": concern.service_request_id, "kind": "concern"},
        }
    )
    return {"type": "FeatureCollection", "features": features}


def _chosen_template(request, info):
    """The response template picked to prefill the public note (?template=id), if any."""
    chosen = request.GET.get("template", "")
    return next((t for t in info.templates if str(t.pk) == chosen), None)


def _forms(request, concern: Concern, info, bound: dict) -> dict:
    """The action forms for ``concern``; ``bound`` holds the one just submitted."""
    initial_state = {}
    template = _chosen_template(request, info)
    if template is not None:
        initial_state = {"note": template.text}
        if template.state:
            initial_state["state"] = template.state
    membership = Membership.objects.filter(
        organisation=concern.organisation_id, user=concern.assignee_id
    ).first()
    forms = {
        "state": StateForm(prefix="state", transitions=info.transitions, initial=initial_state),
        "note": NoteForm(prefix="note"),
        "assign": AssignForm(prefix="assign", concern=concern, initial={"assignee": membership}),
        "forward": ForwardForm(prefix="forward", concern=concern),
        "external": ExternalForm(prefix="external"),
        "merge": MergeForm(prefix="merge"),
        "withhold": WithholdForm(prefix="withhold"),
        "hide": HideForm(
            prefix="hide",
            initial={
                "text": concern.text_hidden,
                "photos": concern.photos_hidden,
                "personal_data": concern.personal_data_hidden,
            },
        ),
    }
    return forms | bound


def _render(request, concern: Concern, bound: dict | None = None, status: int = 200):
    info = services.detail(request.user, concern)
    targets = {t.state for t in info.transitions}
    context = {
        "concern": concern,
        "info": info,
        "answers": _answers(concern),
        "public_events": [e for e in info.events if e.is_public],
        "internal_events": [e for e in info.events if not e.is_public],
        "target": backoffice.target_status(concern),
        "target_labels": target_labels(),
        "can_merge": workflow.DUPLICATE in targets,
        "can_hand_over": workflow.NOT_RESPONSIBLE in targets,
        "duplicates": list(concern.duplicates.order_by("submitted_at")),
        "templates_text": {str(t.pk): t.text for t in info.templates},
        "chosen_template": _chosen_template(request, info),
        "forms": _forms(request, concern, info, bound or {}) if info.can_change else {},
        "partial": bool(request.htmx),
    }
    if not request.htmx:
        context["place_geojson"] = _place_geojson(concern)
    template = (
        "concerns/office/_detail_work.html" if request.htmx else "concerns/office/detail.html"
    )
    return render(request, template, context, status=status)


@require_GET
@staff_required
def detail(request, number):
    return _render(request, concern_or_404(request.user, number))


# --- Actions -------------------------------------------------------------------------------
# Each takes the concern, the valid form and the user, calls a service and returns the
# confirmation; a ValidationError it raises is shown on the form.


def _state(concern, form, user):
    data = form.cleaned_data
    services.change_state(concern, data["state"], user, data["note"])
    return _("The concern is now %(state)s.") % {"state": State(data["state"]).label}


def _note(concern, form, user):
    public = form.cleaned_data["public"]
    services.add_note(concern, form.cleaned_data["text"], user, public=public)
    if public:
        return _("The public note was published; reporter and followers are told.")
    return _("The internal note was saved.")


def _assign(concern, form, user):
    membership = form.cleaned_data["assignee"]
    person = membership.user if membership else None
    services.assign(concern, concern.organisation, person, user, form.cleaned_data["note"])
    if person is None:
        return _("Nobody is assigned to the concern now.")
    return _("The concern is assigned to %(name)s.") % {"name": person}


def _forward(concern, form, user):
    organisation = form.cleaned_data["organisation"]
    services.forward(concern, organisation, user, form.cleaned_data["note"])
    return _("The concern was forwarded to %(organisation)s.") % {"organisation": organisation}


def _external(concern, form, user):
    body = form.cleaned_data["body"]
    services.forward_external(concern, body, user, form.cleaned_data["note"])
    return _("The concern was handed over to %(body)s.") % {"body": body}


def _merge(concern, form, user):
    try:
        original = services.concern_for(user, form.cleaned_data["into"])
    except Concern.DoesNotExist:
        raise ValidationError(
            {"into": _("There is no concern with this number that you may see.")}
        ) from None
    concern = services.merge_duplicate(concern, original, user, form.cleaned_data["note"])
    return _("The concern was merged into %(number)s.") % {
        "number": concern.duplicate_of.service_request_id
    }


def _publish(concern, form, user):
    services.publish(concern, user)
    return _("The concern is public now.")


def _withhold(concern, form, user):
    services.withhold(concern, user, form.cleaned_data["reason"])
    return _("Publication is withheld; the concern is not public.")


def _hide(concern, form, user):
    data = form.cleaned_data
    services.hide(
        concern, user, text=data["text"], photos=data["photos"], personal_data=data["personal_data"]
    )
    return _("What the public sees was updated.")


def _no_form(*args, **kwargs):
    return None


# action: (form factory, perform, service error keys -> form fields)
ACTIONS = {
    "state": (
        lambda data, concern, info: StateForm(data, prefix="state", transitions=info.transitions),
        _state,
        {},
    ),
    "note": (lambda data, concern, info: NoteForm(data, prefix="note"), _note, {"note": "text"}),
    "assign": (
        lambda data, concern, info: AssignForm(data, prefix="assign", concern=concern),
        _assign,
        {"organisation": "assignee"},
    ),
    "forward": (
        lambda data, concern, info: ForwardForm(data, prefix="forward", concern=concern),
        _forward,
        {},
    ),
    "external": (
        lambda data, concern, info: ExternalForm(data, prefix="external"),
        _external,
        {"forwarded_to": "body"},
    ),
    "merge": (
        lambda data, concern, info: MergeForm(data, prefix="merge"),
        _merge,
        {"duplicate_of": "into"},
    ),
    "publish": (_no_form, _publish, {}),
    "withhold": (lambda data, concern, info: WithholdForm(data, prefix="withhold"), _withhold, {}),
    "hide": (lambda data, concern, info: HideForm(data, prefix="hide"), _hide, {}),
}


@require_POST
@staff_required
def act(request, number, action):
    if action not in ACTIONS:
        raise Http404
    concern = concern_or_404(request.user, number)
    info = services.detail(request.user, concern)
    make_form, perform, error_fields = ACTIONS[action]
    form = make_form(request.POST, concern, info)
    if form is None or form.is_valid():
        try:
            message = perform(concern, form, request.user)
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
            else:
                add_service_errors(form, error, error_fields)
        else:
            messages.success(request, message)
            concern = Concern.objects.select_related("category", "area", "organisation").get(
                pk=concern.pk
            )
            if not can(request.user, "change", concern):
                # Forwarded to another department: it left this user's inbox.
                return _leave(request)
            if request.htmx:
                return _render(request, concern)
            return redirect("concerns:office-detail", concern.service_request_id)
    return _render(request, concern, {action: form} if form else {}, status=400)


def _leave(request):
    if request.htmx:
        return HttpResponse(headers={"HX-Redirect": reverse("concerns:inbox")})
    return redirect("concerns:inbox")
