"""The platform admins' page of Open311 API keys: list, issue (the secret is shown once)
and revoke."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from smartcity.concerns.open311 import keys
from smartcity.concerns.open311.forms import ApiKeyForm
from smartcity.core.decorators import platform_admin_required


def _page(request, form, status=200):
    context = {"form": form, "keys": keys.manageable_keys(request.user)}
    return render(request, "concerns/open311/keys.html", context, status=status)


@never_cache
@platform_admin_required
def key_list(request):
    if request.method != "POST":
        return _page(request, ApiKeyForm())
    form = ApiKeyForm(request.POST)
    if form.is_valid():
        try:
            key, secret = keys.issue_key(form.cleaned_data["name"], created_by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return render(
                request, "concerns/open311/key_created.html", {"key": key, "secret": secret}
            )
    return _page(request, form, status=400)


@require_POST
@platform_admin_required
def key_revoke(request, pk):
    key = get_object_or_404(keys.manageable_keys(request.user), pk=pk)
    try:
        keys.revoke_key(request.user, key)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The key “%(name)s” was revoked.") % {"name": key.name})
    return redirect("open311:keys")
