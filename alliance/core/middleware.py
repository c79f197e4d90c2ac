import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.defaults import bad_request

logger = logging.getLogger(__name__)


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


class UnusableValueMiddleware:
    """A number too large for any column is the sender's mistake, not the server's: 400.

    PostgreSQL answers such a lookup with no row; SQLite (the embedded default) cannot even bind
    the value and raises OverflowError from wherever a form or view looked it up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, OverflowError):
            return None
        logger.info("A request to %s carried a number no column can hold.", request.path)
        return bad_request(request, exception)
