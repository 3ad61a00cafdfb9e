import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smartcity.core import privacy
from smartcity.core.accounts import services
from smartcity.core.accounts.forms import ApiTokenForm, DeleteAccountForm, ProfileForm
from smartcity.core.rendering import render_form


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile has been saved."))
        response = redirect("accounts:profile")
        if request.user.language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, request.user.language, samesite="Lax"
            )
        else:
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        return response
    return render_form(request, "accounts/profile.html", form)


@login_required
def export_data(request):
    data = privacy.export_user_data(request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    filename = f"smartcity-meine-daten-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def delete_account(request):
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.delete_account(request)
        messages.success(request, _("Your account and your personal data have been deleted."))
        return redirect("core:home")
    return render_form(request, "accounts/delete.html", form)


@login_required
def api_tokens(request):
    form = ApiTokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        _token, new_secret = services.issue_token(request.user, form.cleaned_data["name"])
        form = ApiTokenForm()
    context = {
        "tokens": request.user.api_tokens.filter(revoked_at__isnull=True),
        "new_secret": new_secret,
    }
    return render_form(request, "accounts/tokens.html", form, context)


@login_required
@require_POST
def revoke_api_token(request, token_id: int):
    if services.revoke_token(request.user, token_id):
        messages.success(request, _("The token has been revoked."))
    else:
        messages.error(request, _("This token does not exist or was already revoked."))
    return redirect("accounts:api_tokens")
