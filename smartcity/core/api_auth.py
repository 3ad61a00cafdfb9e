"""API authentication shared by every router: session cookie or personal API token."""

from ninja.security import HttpBearer, SessionAuth

from smartcity.core.accounts.models import ApiToken


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = ApiToken.objects.authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionUser(SessionAuth):
    """Session cookie of a logged-in, active user (CSRF checked for unsafe methods)."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


authenticated = [SessionUser(), BearerToken()]
