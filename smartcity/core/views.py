from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_ratelimit.decorators import ratelimit

from smartcity.core import services
from smartcity.core.forms import AccessibilityFeedbackForm
from smartcity.core.health import health
from smartcity.core.permissions import is_city_staff, organisation_ids
from smartcity.core.rendering import render_form


def home(request):
    return render(request, "core/home.html", services.home_context())


def imprint(request):
    return render(request, "core/imprint.html")


def privacy(request):
    return render(request, "core/privacy.html")


def accessibility(request):
    return render(request, "core/accessibility.html")


@ratelimit(key="ip", rate="10/h", method="POST", block=True)
def accessibility_feedback(request):
    form = AccessibilityFeedbackForm(
        request.POST or None, initial={"page_url": request.GET.get("page", "")}
    )
    if request.method == "POST" and form.is_valid():
        services.submit_accessibility_feedback(form)
        messages.success(request, _("Thank you. We have received your report and will reply."))
        return redirect("core:accessibility")
    return render_form(request, "core/accessibility_feedback.html", form)


@login_required
def staff_area(request):
    user = request.user
    if not is_city_staff(user):
        raise PermissionDenied(_("This area is for the city's staff."))
    return render(request, "core/staff.html", services.staff_context(user, organisation_ids(user)))


@never_cache
def healthz(request):
    healthy, body = health()
    return JsonResponse(body, status=200 if healthy else 503)
