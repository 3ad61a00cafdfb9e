"""The catalogue editor. Every member of staff reads the catalogue; admins of a department
a category routes to edit its texts, target time and response templates; platform admins
edit everything, new categories included. Writes go through the catalogue services, which
check the same rules and record each change in the audit log."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smartcity.concerns.models import Category, State
from smartcity.concerns.services import catalogue
from smartcity.concerns.web.common import add_service_errors
from smartcity.concerns.web.office_catalogue_forms import (
    AttributeForm,
    CategoryForm,
    ResponseTemplateForm,
    RoutingRuleForm,
    TransitionFormSet,
    transition_initial,
)
from smartcity.core.decorators import staff_required
from smartcity.core.permissions import is_platform_admin
from smartcity.core.rendering import render_form

# One page for every form of the catalogue editor but the workflow's.
EDIT_FORM = "concerns/office/edit_form.html"


def _category(user, code) -> Category:
    categories = Category.objects.all()
    if not is_platform_admin(user):
        categories = categories.filter(is_active=True)
    return get_object_or_404(categories, service_code=code)


def _refuse():
    raise PermissionDenied(_("You may not change this part of the catalogue."))


@staff_required
def category_list(request):
    user = request.user
    categories = Category.objects.prefetch_related("routing_rules__organisation")
    if not is_platform_admin(user):
        categories = categories.filter(is_active=True)
    editable = set(catalogue.editable_categories(user).values_list("pk", flat=True))
    return render(
        request,
        "concerns/office/catalogue.html",
        {
            "categories": categories,
            "editable": editable,
            "may_create": catalogue.may_manage(user),
        },
    )


@staff_required
def category_detail(request, code):
    category = _category(request.user, code)
    return render(
        request,
        "concerns/office/category.html",
        {
            "category": category,
            "attributes": category.attributes.all(),
            "routes": category.routing_rules.select_related("area", "organisation"),
            "templates": category.response_templates.all(),
            "edges": [
                (State(edge.source).label, State(edge.target).label, edge.public_note)
                for edge in category.get_workflow().edges
            ],
            "own_workflow": bool(category.transitions),
            "may_edit_texts": catalogue.may_edit_texts(request.user, category),
            "may_manage": catalogue.may_manage(request.user, category),
        },
    )


def _save_category(request, category: Category | None):
    user = request.user
    manage = catalogue.may_manage(user, category)
    if category is None and not manage:
        _refuse()
    if category is not None and not (manage or catalogue.may_edit_texts(user, category)):
        _refuse()
    form = CategoryForm(request.POST or None, instance=category, may_manage=manage)
    if request.method == "POST" and form.is_valid():
        try:
            saved = catalogue.save_category(form.save(commit=False), user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The category “%(name)s” was saved.") % {"name": saved})
            return redirect("concerns:catalogue-category", saved.service_code)
    if category is None:
        title, back = _("New category"), reverse("concerns:catalogue")
    else:
        title = _("Edit %(name)s") % {"name": category.name}
        back = reverse("concerns:catalogue-category", args=[category.service_code])
    page = {"title": title, "back_url": back, "back_label": _("Back")}
    return render_form(request, EDIT_FORM, form, page)


@staff_required
def category_create(request):
    return _save_category(request, None)


@staff_required
def category_edit(request, code):
    return _save_category(request, _category(request.user, code))


# The parts of a category, each edited by its own form.
PARTS = {
    "attributes": AttributeForm,
    "routing": RoutingRuleForm,
    "templates": ResponseTemplateForm,
}


def part_titles() -> dict[str, tuple[str, str]]:
    """Per part: (heading of a new one, heading of an existing one)."""
    return {
        "attributes": (_("New question"), _("Edit the question")),
        "routing": (_("New routing rule"), _("Edit the routing rule")),
        "templates": (_("New response template"), _("Edit the response template")),
    }


def _part(request, code, part, pk):
    if part not in PARTS:
        raise Http404
    category = _category(request.user, code)
    form_class = PARTS[part]
    model = form_class._meta.model
    if not catalogue.may_change_part(request.user, model, category):
        _refuse()
    item = get_object_or_404(model, pk=pk, category=category) if pk is not None else None
    return category, item, form_class


@staff_required
def part_edit(request, code, part, pk=None):
    category, item, form_class = _part(request, code, part, pk)
    instance = item or form_class._meta.model(category=category)
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            catalogue.save_part(form.save(commit=False), request.user)
        except ValidationError as error:
            add_service_errors(form, error, {"values": "value_lines"})
        else:
            messages.success(request, _("Saved."))
            return redirect("concerns:catalogue-category", category.service_code)
    new_title, edit_title = part_titles()[part]
    page = {
        "title": f"{edit_title if item else new_title}: {category.name}",
        "back_url": reverse("concerns:catalogue-category", args=[category.service_code]),
        "back_label": _("Back to %(name)s") % {"name": category.name},
    }
    return render_form(request, EDIT_FORM, form, page)


@require_POST
@staff_required
def part_delete(request, code, part, pk):
    category, item, _form_class = _part(request, code, part, pk)
    catalogue.delete_part(item, request.user)
    messages.success(request, _("“%(name)s” was deleted.") % {"name": item})
    return redirect("concerns:catalogue-category", category.service_code)


@staff_required
def workflow_edit(request, code):
    category = _category(request.user, code)
    if not catalogue.may_manage(request.user, category):
        _refuse()
    if request.method == "POST" and "default" in request.POST:
        catalogue.set_workflow(category, None, request.user)
        messages.success(request, _("The category follows the default workflow again."))
        return redirect("concerns:catalogue-category", category.service_code)
    if request.method == "POST":
        # Without initial values: a row equal to its initial one would count as unchanged
        # and be left out.
        formset = TransitionFormSet(request.POST, prefix="transitions")
    else:
        formset = TransitionFormSet(initial=transition_initial(category), prefix="transitions")
    errors = []
    if request.method == "POST" and formset.is_valid():
        try:
            catalogue.set_workflow(category, formset.transitions(), request.user)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("The workflow was saved."))
            return redirect("concerns:catalogue-category", category.service_code)
    invalid = request.method == "POST"
    return render(
        request,
        "concerns/office/workflow_form.html",
        {"category": category, "formset": formset, "errors": errors},
        status=400 if invalid else 200,
    )
