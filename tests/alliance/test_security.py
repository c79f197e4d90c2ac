"""Security baseline: hashing, passwords, throttling, headers, sessions, CSRF, templates."""

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import alliance.settings as project_settings
from tests import factories

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)
RIGHT_PASSWORD = "correct-horse-battery"
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "alliance.settings",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k3y-for-a-production-like-check-only-9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    "DJANGO_ALLOWED_HOSTS": "portal.example.cn",
    "DJANGO_PORTAL_BASE_URL": "https://portal.example.cn",
}


def production_env(**overrides: str) -> dict[str, str]:
    # The test run exports test-only DJANGO_* defaults (see tests/settings.py); a production-like
    # process must not inherit them.
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.pop("DATABASE_URL", None)
    return {**env, **PRODUCTION_ENV, **overrides}


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# --- Passwords ------------------------------------------------------------------------------


def test_argon2_is_the_first_hasher_of_the_project_settings():
    # tests.settings swaps in MD5 for speed; the project module is what production loads.
    assert project_settings.PASSWORD_HASHERS[0] == (
        "django.contrib.auth.hashers.Argon2PasswordHasher"
    )
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_argon2_hashes_with_the_project_settings(settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    user = factories.UserFactory(password="Lian-hong-2026")
    assert user.password.startswith("argon2$")
    assert user.check_password("Lian-hong-2026")


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Hong-lian-26", True),  # 12 characters
        ("Hong-lian-2", False),  # 11 characters
        ("Zhe-shi-mi-ma", True),
        ("password1234", False),  # common
        ("483920175639", False),  # numeric only
    ],
)
def test_password_validators(password, ok):
    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


def test_eleven_characters_are_refused_by_the_password_change_view(client, plain_user):
    client.force_login(plain_user)
    data = {"old_password": RIGHT_PASSWORD}
    response = client.post(
        reverse("password_change"),
        {**data, "new_password1": "Hong-lian-2", "new_password2": "Hong-lian-2"},
    )
    assert response.status_code == 200
    plain_user.refresh_from_db()
    assert plain_user.check_password(RIGHT_PASSWORD)
    response = client.post(
        reverse("password_change"),
        {**data, "new_password1": "Hong-lian-26", "new_password2": "Hong-lian-26"},
    )
    assert response.status_code == 302
    plain_user.refresh_from_db()
    assert plain_user.check_password("Hong-lian-26")


# --- Login throttling (django-axes) ---------------------------------------------------------


def post_login(client, password, username="nobody"):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(client, plain_user):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        response = post_login(client, "wrong-password-x")
        assert response.status_code == 200  # the form with its error
    response = post_login(client, "wrong-password-x")
    assert response.status_code == 429
    assert "registration/lockout.html" in [t.name for t in response.templates]
    # The right password is refused during the cool-off, and nobody is signed in.
    response = post_login(client, RIGHT_PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # From another address too: the account name itself is locked.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert post_login(other, RIGHT_PASSWORD).status_code == 429


def test_lockout_page_says_how_long_and_whom_to_contact(client, plain_user):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for _ in range(5):
        response = post_login(client, "wrong-password-x")
    html = response.content.decode()
    assert response.status_code == 429
    assert "Account temporarily locked" in html
    assert "Please wait 15 minutes" in html
    assert "Party-Mass Work Department" in html
    assert 'href="/accounts/login/"' in html


def test_lockout_page_uses_the_chinese_default_language(client, plain_user):
    for _ in range(5):
        response = post_login(client, "wrong-password-x")
    assert '<html lang="zh-hans">' in response.content.decode()


def test_the_right_password_works_again_after_the_cool_off(client, plain_user):
    for _ in range(5):
        post_login(client, "wrong-password-x")
    assert post_login(client, RIGHT_PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    )
    response = post_login(client, RIGHT_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(plain_user.pk)


def test_a_success_before_the_limit_resets_the_count(client, plain_user):
    for _ in range(4):
        post_login(client, "wrong-password-x")
    assert post_login(client, RIGHT_PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert post_login(client, "wrong-password-x").status_code == 200


# --- Headers ------------------------------------------------------------------------------


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("signed_in", [False, True])
def test_csp_forbids_inline_scripts(client, plain_user, signed_in):
    if signed_in:
        client.force_login(plain_user)
    response = client.get(reverse("home") if signed_in else reverse("login"))
    assert response.status_code == 200
    directives = csp_directives(response)
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_security_headers(client, plain_user):
    client.force_login(plain_user)
    response = client.get(reverse("home"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_production_settings_pass_the_deploy_check():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_short_secret_key_fails_the_deploy_check():
    # The check above could pass for the wrong reason; a weak key must make it fail.
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(DJANGO_SECRET_KEY="short"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "address", ["http://127.0.0.1:8000", "http://localhost:8101", "https://[::1]"]
)
def test_a_portal_address_on_the_machine_itself_fails_the_deploy_check(address):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(DJANGO_PORTAL_BASE_URL=address),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "alliance.W001" in result.stdout + result.stderr


PRINT_SECURITY_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name) for name in (
    "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "LANGUAGE_COOKIE_SECURE", "LANGUAGE_COOKIE_HTTPONLY", "LANGUAGE_COOKIE_SAMESITE",
    "SESSION_COOKIE_SAMESITE")}))
"""


def test_cookies_are_secure_and_hsts_is_on_when_not_in_debug():
    result = run_python(PRINT_SECURITY_SETTINGS, production_env())
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_SSL_REDIRECT"] is True
    # The language cookie is sent like the session cookie: HTTPS only, no script, same site.
    assert values["LANGUAGE_COOKIE_SECURE"] is True
    assert values["LANGUAGE_COOKIE_HTTPONLY"] is True
    assert values["LANGUAGE_COOKIE_SAMESITE"] == values["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_the_language_switch_sets_a_same_site_http_only_cookie(client, settings):
    settings.LANGUAGE_COOKIE_SECURE = True  # as in production (the tests speak plain HTTP)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    header = response.cookies[settings.LANGUAGE_COOKIE_NAME].output()
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
    assert {"samesite", "httponly", "secure"} <= attributes, header
    assert "SameSite=Lax" in header


def test_debug_turns_the_https_only_settings_off():
    env = production_env(DJANGO_DEBUG="true")
    result = run_python(PRINT_SECURITY_SETTINGS, env)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0


# --- Sessions -------------------------------------------------------------------------------


def test_logout_invalidates_the_session(client, plain_user):
    client.force_login(plain_user)
    old_session = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get(reverse("home")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    # Someone who kept the old cookie gets nothing.
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_session
    response = replay.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_logout_by_get_is_refused(client, plain_user):
    client.force_login(plain_user)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200  # still signed in


def test_password_change_signs_out_other_sessions(client, plain_user):
    client.force_login(plain_user)
    other_device = Client()
    other_device.force_login(plain_user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": RIGHT_PASSWORD,
            "new_password1": "Hong-lian-26",
            "new_password2": "Hong-lian-26",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200  # this session was kept
    response = other_device.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- CSRF -----------------------------------------------------------------------------------


def test_login_without_a_csrf_token_is_refused(plain_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "nobody", "password": RIGHT_PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    # The portal's own page explains what happened, in Chinese, instead of Django's debug page.
    assert "表单已过期" in response.content.decode()


def test_password_change_without_a_csrf_token_is_refused(plain_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(plain_user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": RIGHT_PASSWORD,
            "new_password1": "Hong-lian-26",
            "new_password2": "Hong-lian-26",
        },
    )
    assert response.status_code == 403
    plain_user.refresh_from_db()
    assert plain_user.check_password(RIGHT_PASSWORD)


def test_logout_without_a_csrf_token_is_refused(plain_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(plain_user)
    assert client.post(reverse("logout")).status_code == 403
    assert client.get(reverse("home")).status_code == 200


def test_login_with_the_csrf_token_from_the_form_works(plain_user):
    client = Client(enforce_csrf_checks=True)
    html = client.get(reverse("login")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = client.post(
        reverse("login"),
        {"username": "nobody", "password": RIGHT_PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


# --- Templates and static files: no CDN, no inline script ------------------------------------

REMOTE_URL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
CSS_REMOTE_URL = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])\s*(?:https?:)?//""", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"""<[^>]*\son[a-z]+\s*=""", re.IGNORECASE)
JS_URL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def template_problems(text: str) -> list[str]:
    problems = []
    if REMOTE_URL.search(text):
        problems.append("remote URL (CDN)")
    for attributes in SCRIPT_TAG.findall(text):
        if not re.search(r"\bsrc\s*=", attributes):
            problems.append("inline <script>")
    if EVENT_HANDLER.search(text):
        problems.append("inline event handler")
    if JS_URL.search(text):
        problems.append("javascript: URL")
    return problems


@pytest.mark.parametrize(
    ("snippet", "problem"),
    [
        ('<link href="https://cdn.jsdelivr.net/npm/bootstrap.css">', "remote URL (CDN)"),
        ('<script src="http://code.jquery.com/jquery.js"></script>', "remote URL (CDN)"),
        ("<script src='//unpkg.com/htmx.org'></script>", "remote URL (CDN)"),
        ("<script>alert(1)</script>", "inline <script>"),
        ('<script type="module">import x from "./x.js"</script>', "inline <script>"),
        ('<button onclick="go()">', "inline event handler"),
        ('<a href="javascript:go()">', "javascript: URL"),
    ],
)
def test_the_template_check_catches(snippet, problem):
    assert problem in template_problems(snippet)


def test_the_template_check_accepts_local_assets():
    ok = (
        "{% load static %}<script src=\"{% static 'js/portal.js' %}\" defer></script>"
        '<link rel="stylesheet" href="{% static \'css/portal.css\' %}"><a href="/admin/">x</a>'
    )
    assert template_problems(ok) == []


def project_template_files() -> list[Path]:
    folders = [BASE_DIR / "templates"]
    for config in apps.get_app_configs():
        app_path = Path(config.path)
        if app_path.is_relative_to(BASE_DIR) and not app_path.is_relative_to(BASE_DIR / ".venv"):
            folders.append(app_path / "templates")
    return sorted(path for folder in folders if folder.is_dir() for path in folder.rglob("*.html"))


def test_templates_load_nothing_remote_and_have_no_inline_script():
    files = project_template_files()
    assert BASE_DIR / "templates" / "base.html" in files
    problems = {
        str(path.relative_to(BASE_DIR)): template_problems(path.read_text(encoding="utf-8"))
        for path in files
    }
    assert {path: found for path, found in problems.items() if found} == {}


def test_own_static_files_load_nothing_remote():
    files = [
        path for path in (BASE_DIR / "static").rglob("*") if path.suffix in {".css", ".js", ".html"}
    ]
    assert BASE_DIR / "static" / "css" / "portal.css" in files
    remote = [
        str(path.relative_to(BASE_DIR))
        for path in files
        if CSS_REMOTE_URL.search(path.read_text(encoding="utf-8"))
        or re.search(r"https?://", path.read_text(encoding="utf-8"))
    ]
    assert remote == []


def test_no_template_marks_text_safe():
    offenders = [
        str(path.relative_to(BASE_DIR))
        for path in project_template_files()
        if re.search(r"\|\s*safe\b|{%\s*autoescape\s+off", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_a_number_no_column_can_hold_is_a_400_page_not_a_server_error(rf):
    from alliance.core.middleware import UnusableValueMiddleware

    def view(request):
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    middleware = UnusableValueMiddleware(view)
    request = rf.post("/events/1/edit/", {"chains": "9" * 30})
    response = middleware.process_exception(request, OverflowError("too large"))
    assert response.status_code == 400
    assert "无法处理该请求" in response.content.decode()
    assert middleware.process_exception(request, ValueError("other")) is None
