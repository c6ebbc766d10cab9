"""Every page under the Content-Security-Policy in a real Chromium: nothing is reported as a
violation (a ``securitypolicyviolation`` event or a console message), and what the policy could
have stopped still works: styles the frontend sets (label swatches), the gold comparison's comment
form (its script is in the bundle now) and Swagger UI."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from annotations.models import Comment
from annotations.services.adjudication import adjudication_set_state, gold_create

pytestmark = pytest.mark.browser

# Registered before any script of the page runs (Playwright injects it outside the page's CSP).
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def visit(browser, server_url) -> Iterator[Callable[..., object]]:
    """``visit(user, path)``: the page, with every CSP violation it reports collected."""
    contexts = []
    reports: list[str] = []

    def open_(user, path: str, ready: str | None = "body[data-ready='1']"):
        context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=server_url)
        contexts.append(context)
        context.add_init_script(LISTEN)
        if user is not None:
            client = Client()
            client.force_login(user)
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": server_url}]
            )
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on(
            "console",
            lambda message: (
                reports.append(f"{path}: console: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.on("pageerror", lambda exc: reports.append(f"{path}: error: {exc}"))
        page.goto(path)
        if ready:
            page.wait_for_selector(ready)
        page.wait_for_load_state("networkidle")
        reports.extend(f"{path}: {v}" for v in page.evaluate("window.__violations"))
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not reports, reports


def rgb(hex_color: str) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_every_page_runs_under_the_policy_with_no_violation(visit, review_project):
    rp = review_project
    p, first = rp.project.pk, rp.documents[0]
    ann1 = rp.annotators[0]
    gold_create(actor=rp.reviewer, document=first, label=rp.labels["claim"], start=0, end=10)
    adjudication_set_state(actor=rp.reviewer, document=first, state="adjudicated")

    workspace = visit(ann1, f"/projects/{p}/documents/{rp.documents[6].pk}/")  # not started
    # Styles set by the frontend go through the CSSOM, which the policy lets through.
    swatch = workspace.locator("#sidebar .swatch").first
    expect(swatch).to_have_css("background-color", rgb(rp.labels["claim"].color))
    visit(rp.reviewer, f"/projects/{p}/documents/{first.pk}/review/")
    visit(ann1, f"/projects/{p}/")
    visit(rp.reviewer, "/", ready=None)
    dashboard = visit(rp.reviewer, f"/projects/{p}/dashboard/")
    expect(dashboard.locator("canvas").first).to_be_visible()
    visit(rp.reviewer, f"/projects/{p}/adjudicate/")
    visit(rp.reviewer, f"/projects/{p}/adjudicate/{first.pk}/")
    visit(rp.reviewer, f"/projects/{p}/exports/")
    visit(None, "/accounts/login/", ready="#id_username")
    docs = visit(None, "/api/docs/", ready=".swagger-ui .opblock")
    expect(docs.locator(".swagger-ui .info .title")).to_contain_text("Factcheck Workbench API")

    gold = visit(ann1, f"/projects/{p}/documents/{first.pk}/gold/")
    form = gold.locator("form.comment-form").first
    form.locator("input[name='body']").fill("I kept the article's own words.")
    form.locator("button[type=submit]").click()
    # The page reloads with the thread.
    expect(gold.locator("ul.thread li")).to_contain_text(["I kept the article's own words."])
    assert Comment.objects.filter(author=ann1, body="I kept the article's own words.").exists()


def test_a_failed_comment_says_why(visit, review_project):
    rp = review_project
    first = rp.documents[0]
    adjudication_set_state(actor=rp.reviewer, document=first, state="adjudicated")
    gold = visit(rp.annotators[0], f"/projects/{rp.project.pk}/documents/{first.pk}/gold/")
    form = gold.locator("form.comment-form").first
    # Blank after trimming: the API refuses it, and the page says so without reloading.
    form.locator("input[name='body']").fill("   ")
    form.locator("button[type=submit]").click()
    expect(form.locator(".comment-status")).to_have_text(re.compile(r"^Not saved: "))
