from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class ChineseFirstLocaleMiddleware:
    """Activate Chinese unless the user explicitly chose another language.

    Django's LocaleMiddleware follows the browser's Accept-Language, so an office PC with an
    English browser would get an English portal. Here only the language cookie set by the
    language switcher (``set_language``) can move away from ``LANGUAGE_CODE``.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        # Restored afterwards: the thread (a test client's, a live server's) must not keep the
        # language of the last request it served.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
