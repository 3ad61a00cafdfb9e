"""Account use cases: profile, personal data, API tokens, deletion."""

from allauth.account.models import EmailAddress
from django.contrib.auth import logout
from django.utils import timezone

from smartcity.core import privacy
from smartcity.core.accounts.models import ApiToken


def _account_section(user) -> dict:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "language": user.language,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user)
        ],
        "memberships": [
            {"organisation": m.organisation.name, "role": m.role}
            for m in user.memberships.select_related("organisation")
        ],
        "api_tokens": [
            {
                "name": t.name,
                "prefix": t.prefix,
                "created_at": t.created_at.isoformat(),
                "revoked": t.revoked_at is not None,
            }
            for t in user.api_tokens.all()
        ],
    }


privacy.register_exporter("account", _account_section)


def delete_account(request) -> None:
    """Erase the logged-in user's account and personal data, then end the session."""
    user = request.user
    logout(request)
    privacy.erase_user(user)


def issue_token(user, name: str) -> tuple[ApiToken, str]:
    return ApiToken.objects.issue(user, name)


def revoke_token(user, token_id: int) -> bool:
    updated = ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return bool(updated)
