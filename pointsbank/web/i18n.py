"""Template gettext that finds the request's translations once, not through Flask-Babel's lookups on every call."""

from __future__ import annotations

from babel.support import NullTranslations, Translations
from flask import Flask
from flask.globals import _cv_app
from flask_babel import get_translations


def translations() -> Translations | NullTranslations:
    """The current translations, remembered on Flask-Babel's per-request state for as long as its locale holds."""
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return get_translations()
    state = getattr(app_ctx.g, "_flask_babel", None)
    cached = getattr(state, "pb_translations", None)
    if cached is not None and cached[0] is getattr(state, "babel_locale", None):
        return cached[1]
    found = get_translations()  # sets up g._flask_babel and its babel_locale
    state = getattr(app_ctx.g, "_flask_babel", None)
    if state is not None:
        state.pb_translations = (getattr(state, "babel_locale", None), found)
    return found


def install(app: Flask) -> None:
    """Make the templates' _, gettext, ngettext, pgettext and npgettext use translations()."""
    env = app.jinja_env
    env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    env.globals["_"] = env.globals["gettext"]  # skip the i18n extension's alias hop
