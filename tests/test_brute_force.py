"""Brute force: the login lockout (django-axes) on the login page and the token endpoint, by
username and by address, and the rate limits (DRF throttles) of the token endpoint and of writes.

Each test counts in a cache of its own (``own_cache``): throttle counters live in the cache, which
the suite otherwise shares between its processes. Failed logins are database rows, rolled back
after each test like every other row.
"""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import PASSWORD, DocumentFactory, UserFactory, assign

LOCKOUT_SECONDS = 15 * 60  # WORKBENCH_LOGIN_LOCKOUT_MINUTES' default
LIMIT = 10  # WORKBENCH_LOGIN_FAILURE_LIMIT's default
HOME = "203.0.113.7"  # documentation addresses (RFC 5737)
ELSEWHERE = "198.51.100.9"


@pytest.fixture(autouse=True)
def own_cache(settings, request):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"brute-force-{request.node.name}",
        }
    }


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


def page_login(username: str, password: str, address: str):
    return Client(REMOTE_ADDR=address).post(
        "/accounts/login/", {"username": username, "password": password}
    )


def token_login(username: str, password: str, address: str):
    return APIClient(REMOTE_ADDR=address).post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def assert_locked_out_page(response) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == str(LOCKOUT_SECONDS)
    html = response.content.decode()
    assert 'id="locked-out"' in html and "Too many failed logins" in html
    assert "15 minutes" in html
    assert 'name="password"' in html  # the login page, with its form
    assert "_auth_user_id" not in response.client.session


def assert_locked_out_api(response) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == str(LOCKOUT_SECONDS)
    body = response.json()
    assert body["code"] == "locked_out"
    assert "Too many failed logins" in body["detail"] and "15 minutes" in body["detail"]
    assert "token" not in body


# --- the login page ------------------------------------------------------------------------------


def test_login_page_fewer_failures_than_the_limit_leave_the_right_password_working(alice):
    for _ in range(LIMIT - 1):
        assert page_login("alice", "wrong", HOME).status_code == 200
    response = page_login("alice", PASSWORD, HOME)
    assert response.status_code == 302 and response["Location"] == "/"


def test_login_page_locks_the_username_out_from_every_address(alice):
    for _ in range(LIMIT - 1):
        assert page_login("alice", "wrong", HOME).status_code == 200
    assert_locked_out_page(page_login("alice", "wrong", HOME))  # the limit-th failure

    assert_locked_out_page(page_login("alice", PASSWORD, HOME))
    assert_locked_out_page(page_login("alice", PASSWORD, ELSEWHERE))


def test_login_page_locks_the_address_out_for_every_username(alice, bob):
    for i in range(LIMIT):
        page_login(f"guess{i}", "wrong", HOME)

    assert_locked_out_page(page_login("bob", PASSWORD, HOME))
    # The same person from another address, and another person: unaffected.
    assert page_login("bob", PASSWORD, ELSEWHERE).status_code == 302
    assert page_login("alice", PASSWORD, ELSEWHERE).status_code == 302


# --- the token endpoint --------------------------------------------------------------------------


def test_token_fewer_failures_than_the_limit_leave_the_right_password_working(alice):
    for _ in range(LIMIT - 1):
        response = token_login("alice", "wrong", HOME)
        assert response.status_code == 400 and "token" not in response.json()
    assert "token" in token_login("alice", PASSWORD, HOME).json()


def test_token_locks_the_username_out_from_every_address(alice):
    for _ in range(LIMIT - 1):
        assert token_login("alice", "wrong", HOME).status_code == 400
    assert_locked_out_api(token_login("alice", "wrong", HOME))

    assert_locked_out_api(token_login("alice", PASSWORD, HOME))
    assert_locked_out_api(token_login("alice", PASSWORD, ELSEWHERE))


def test_token_locks_the_address_out_for_every_username(alice, bob):
    for i in range(LIMIT):
        token_login(f"guess{i}", "wrong", HOME)

    assert_locked_out_api(token_login("bob", PASSWORD, HOME))
    assert "token" in token_login("bob", PASSWORD, ELSEWHERE).json()


def test_page_and_token_failures_count_together(alice):
    for _ in range(LIMIT // 2):
        page_login("alice", "wrong", HOME)
    for _ in range(LIMIT - LIMIT // 2):
        token_login("alice", "wrong", ELSEWHERE)

    assert_locked_out_page(page_login("alice", PASSWORD, HOME))
    assert_locked_out_api(token_login("alice", PASSWORD, HOME))


def test_a_username_too_long_for_any_user_is_a_field_error(db):
    response = token_login("x" * 3000, "wrong", HOME)
    assert response.status_code == 400
    assert "username" in response.json()


def test_the_limits_come_from_the_settings(alice, settings):
    settings.AXES_FAILURE_LIMIT = 2
    token_login("alice", "wrong", HOME)
    assert_locked_out_api(token_login("alice", "wrong", HOME))


def test_a_forged_forwarded_for_header_does_not_change_the_address(alice, bob):
    """With no proxy configured (WORKBENCH_NUM_PROXIES=0) the address is REMOTE_ADDR: a guesser
    cannot dodge the lockout by sending a new X-Forwarded-For each time."""
    for i in range(LIMIT):
        APIClient(REMOTE_ADDR=HOME, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").post(
            "/api/v1/auth/token/", {"username": f"guess{i}", "password": "x"}, format="json"
        )
    assert_locked_out_api(token_login("bob", PASSWORD, HOME))


def test_behind_a_proxy_clients_are_told_apart_by_the_address_it_forwards(alice, bob, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "10.1.1.1"

    def via_proxy(username: str, password: str, client: str, forged: str = "192.0.2.99"):
        # The proxy appends the address it saw to whatever the client sent.
        return APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"{forged}, {client}").post(
            "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
        )

    for i in range(LIMIT):
        via_proxy(f"guess{i}", "wrong", HOME, forged=f"192.0.2.{i}")

    assert_locked_out_api(via_proxy("bob", PASSWORD, HOME))
    assert "token" in via_proxy("bob", PASSWORD, ELSEWHERE).json()


# --- rate limits ---------------------------------------------------------------------------------


def rates(settings, **scopes: str) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **scopes},
    }


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"]


def test_token_requests_are_throttled_per_address(alice, bob, settings):
    rates(settings, login="3/minute")
    for name in ("alice", "bob", "nobody"):
        assert token_login(name, "wrong", HOME).status_code == 400

    assert_throttled(token_login("bob", PASSWORD, HOME))
    assert "token" in token_login("bob", PASSWORD, ELSEWHERE).json()


def test_token_requests_are_throttled_per_username(alice, bob, settings):
    rates(settings, login_user="3/minute")
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        assert token_login("alice", "wrong", address).status_code == 400

    assert_throttled(token_login("alice", PASSWORD, "192.0.2.4"))
    assert "token" in token_login("bob", PASSWORD, "192.0.2.4").json()


def test_writes_past_the_rate_are_throttled_per_user_and_reads_go_on(
    project, annotator, annotator2, client_for, settings
):
    rates(settings, writes="3/minute")
    document = DocumentFactory(project=project)
    assign(document, annotator)
    assign(document, annotator2)
    spans = f"/api/v1/projects/{project.pk}/spans/"
    label = project.labels.get(key="claim")

    def create(client, start: int):
        body = {"document": document.pk, "label": label.key, "start": start, "end": start + 3}
        return client.post(spans, body, format="json")

    mine = client_for(annotator)
    for start in (0, 4, 8):
        assert create(mine, start).status_code == 201
    assert_throttled(create(mine, 12))
    assert mine.get(spans).status_code == 200  # reads are not counted
    assert create(client_for(annotator2), 0).status_code == 201  # another user's own count


def test_a_rate_set_to_off_throttles_nothing(project, manager, client_for, settings):
    rates(settings, writes=None)
    client = client_for(manager)
    for i in range(5):
        body = {"documents": [{"text": f"Document {i}."}]}
        response = client.post(
            f"/api/v1/projects/{project.pk}/documents/bulk/", body, format="json"
        )
        assert response.status_code == 201
