from django.conf import settings
from django.utils import translation


class PreferredLanguageMiddleware:
    """Logged-in users without a language cookie get their profile's language.

    The cookie (set by the language switch) always wins, so switching works for everyone;
    this only spares a user who chose English from switching on every new device.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        apply = (
            settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user is not None
            and user.is_authenticated
            and user.language
            and user.language != request.LANGUAGE_CODE
        )
        if apply:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        response = self.get_response(request)
        if apply:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax", httponly=True
            )
        return response
