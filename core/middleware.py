"""Persian first: the language is Persian unless the visitor chose another one."""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

API_PREFIX = "/api/"


class PersianFirstLocaleMiddleware(LocaleMiddleware):
    """Like Django's ``LocaleMiddleware`` but pages ignore the browser's Accept-Language: a
    visitor sees Persian until they pick English with the language switch (a cookie).

    The API answers in the language its caller asks for: ``?lang=en``, else the cookie,
    else ``Accept-Language``, else Persian. Only labels and messages change with it; codes,
    numbers and dates in the JSON are the same in every language."""

    def process_request(self, request):
        if request.path.startswith(API_PREFIX):
            language = request.GET.get("lang", "")
            if language not in dict(settings.LANGUAGES):
                language = translation.get_language_from_request(request)
        else:
            language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
