"""Signing in: a session cookie (HttpOnly, SameSite), form tokens, slowed-down failures,
accounts created, disabled and re-passworded as events by the administrator."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

import web.auth
from service.bootstrap import Service
from service.throttle import SignInThrottle
from tests.web.conftest import end, sign_in_as


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks(monkeypatch: pytest.MonkeyPatch) -> Ticks:
    clock = Ticks()
    monkeypatch.setattr(web.auth, "THROTTLE", SignInThrottle(clock))
    monkeypatch.setattr("web.pages.signin.THROTTLE", web.auth.THROTTLE)
    return clock


def _form_token(client: TestClient) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert found is not None
    return found.group(1)


def _sign_in(client: TestClient, username: str, password: str, csrf: str | None = None):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"username": username, "password": password, "next": "/period/2026-Q1",
                                       "csrf": csrf or _form_token(client)})


def test_signing_in_sets_an_httponly_samesite_cookie_and_goes_where_the_person_was_going(
    client: TestClient, ticks: Ticks
) -> None:
    response = _sign_in(client, "shenji", "demo-auditor")
    assert response.status_code == 303 and response.headers["location"] == "/period/2026-Q1"
    cookie = response.headers["set-cookie"]
    assert "scoreledger_session=" in cookie and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "审计员（审计）" in client.get("/").text


def test_a_wrong_password_is_refused_in_chinese_without_saying_which_part_was_wrong(
    client: TestClient, ticks: Ticks
) -> None:
    for username in ("shenji", "nobody"):
        response = _sign_in(client, username, "wrong-password")
        assert response.status_code == 401 and "用户名或密码错误" in response.text
        assert client.get("/").status_code == 303  # still signed out


def test_failed_sign_ins_slow_further_tries_down_per_account_even_with_the_right_password(
    client: TestClient, ticks: Ticks
) -> None:
    for _ in range(3):
        assert _sign_in(client, "shenji", "wrong-password").status_code == 401
    # Check: the fourth try must wait, even with the right password
    response = _sign_in(client, "shenji", "demo-auditor")
    assert response.status_code == 429 and "登录失败次数过多，请1秒后再试" in response.text
    assert client.get("/").status_code == 303
    ticks.now += 1.5
    assert _sign_in(client, "shenji", "wrong-password").status_code == 401
    assert "请2秒后再试" in _sign_in(client, "shenji", "demo-auditor").text
    ticks.now += 2.5
    assert _sign_in(client, "shenji", "demo-auditor").status_code == 303


def test_failures_from_one_address_slow_down_tries_on_every_account(client: TestClient, ticks: Ticks) -> None:
    for username in ("admin", "juzhang", "shensu"):
        assert _sign_in(client, username, "guess-one").status_code == 401
    assert _sign_in(client, "bangongshi", "demo-subject").status_code == 429


def test_a_form_without_the_sessions_token_is_refused_and_changes_nothing(client: TestClient, service: Service) -> None:
    sign_in_as(client, service, "admin")
    before = end(service)
    fields = {"username": "lisi", "name": "李四", "role": "auditor", "password": "long-enough-1"}
    for token in (None, "forged-token"):
        response = client.post("/accounts", data={**fields, **({"csrf": token} if token else {})})
        assert response.status_code == 403 and "表单已过期" in response.text
    assert end(service) == before
    response = client.post("/login", data={"username": "shenji", "password": "demo-auditor", "csrf": "forged"})
    assert response.status_code == 403


def test_the_administrator_creates_an_account_as_an_event_and_it_can_sign_in(
    client: TestClient, service: Service, ticks: Ticks
) -> None:
    csrf = sign_in_as(client, service, "admin")
    before = end(service)
    response = client.post("/accounts", data={"csrf": csrf, "username": "renshi", "name": "人事教育科录入员",
                                              "role": "recorder", "scope": "personnel，office",
                                              "password": "long-enough-1"})
    assert response.status_code == 303
    assert end(service) == before + 2  # Account.Created and AccountBook.Listed
    page = client.get("/accounts")
    assert "账号renshi已创建" in page.text
    row = re.search(r'<tr data-username="renshi">(.*?)</tr>', page.text, re.S)
    assert row is not None and "录入科室" in row.group(1) and "人事教育科录入员" in row.group(1)
    assert client.get("/accounts.json").json()["accounts"][-1]["scope"] == ["personnel", "office"]
    client.cookies.clear()
    assert _sign_in(client, "renshi", "long-enough-1").status_code == 303


def test_a_wrong_account_form_shows_each_problem_beside_its_field_and_appends_nothing(
    client: TestClient, service: Service
) -> None:
    csrf = sign_in_as(client, service, "admin")
    before = end(service)
    response = client.post("/accounts", data={"csrf": csrf, "username": "x", "name": " ", "role": "rater",
                                              "scope": "", "password": "short"})
    assert response.status_code == 422
    errors = dict(re.findall(r'<li data-field="([^"]+)">([^<]+)</li>', response.text))
    assert errors == {"username": "用户名为2到40个字母、数字或“.”“_”“-”", "name": "请填写使用人姓名",
                      "scope": "测评人账号须填写测评人", "password": "密码至少8个字符"}
    assert response.text.count('class="field-error"') == 4
    unbound = client.post("/accounts", data={"csrf": csrf, "username": "fujuzhang", "name": "副局长", "role": "rater",
                                             "scope": "supervising-9", "password": "long-enough-1"})
    assert re.findall(r'<li data-field="([^"]+)">([^<]+)</li>', unbound.text) == [("rater_role", "测评人账号须选择测评角色")]
    assert end(service) == before
    taken = client.post("/accounts", data={"csrf": csrf, "username": "shenji", "name": "重名", "role": "auditor",
                                           "password": "long-enough-1"})
    assert taken.status_code == 409 and "用户名shenji已被使用" in taken.text
    assert end(service) == before


def test_only_the_administrator_manages_accounts(client: TestClient, service: Service) -> None:
    for role in ("recorder", "rater", "auditor", "reviewer", "subject"):
        csrf = sign_in_as(client, service, role)
        page = client.get("/accounts")
        assert page.status_code == 403 and "无权进行此操作" in page.text, role
        response = client.post("/accounts/shenji/disable", data={"csrf": csrf})
        assert response.status_code == 403, role


def test_a_disabled_account_is_signed_out_at_once_and_cannot_sign_in_again(
    client: TestClient, service: Service, ticks: Ticks
) -> None:
    auditor = TestClient(client.app, follow_redirects=False)
    sign_in_as(auditor, service, "auditor")
    assert auditor.get("/").status_code == 200
    csrf = sign_in_as(client, service, "admin")
    before = end(service)
    assert client.post("/accounts/shenji/disable", data={"csrf": csrf}).status_code == 303
    assert end(service) == before + 1
    assert auditor.get("/").status_code == 303  # Check: the open session no longer works
    response = _sign_in(auditor, "shenji", "demo-auditor")
    assert response.status_code == 401 and "该账号已停用" in response.text
    assert client.post("/accounts/shenji/enable", data={"csrf": csrf}).status_code == 303
    assert _sign_in(auditor, "shenji", "demo-auditor").status_code == 303


def test_changing_ones_password_needs_the_current_one_and_ends_the_session(
    client: TestClient, service: Service, ticks: Ticks
) -> None:
    csrf = sign_in_as(client, service, "subject")
    before = end(service)
    wrong = client.post("/account", data={"csrf": csrf, "current": "not-it", "password": "new-password-1"})
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.text and end(service) == before
    short = client.post("/account", data={"csrf": csrf, "current": "demo-subject", "password": "short"})
    assert short.status_code == 422 and "密码至少8个字符" in short.text and end(service) == before
    done = client.post("/account", data={"csrf": csrf, "current": "demo-subject", "password": "new-password-1"})
    assert done.status_code == 303 and end(service) == before + 1
    assert client.get("/").status_code == 303
    assert _sign_in(client, "bangongshi", "demo-subject").status_code == 401
    assert _sign_in(client, "bangongshi", "new-password-1").status_code == 303


def test_the_demos_accounts_sign_in_only_while_the_service_runs_the_demo(
    service: Service, clock: object, ticks: Ticks
) -> None:
    from web.app import create_app

    plain = service.settings.model_copy(update={"demo": False})
    service.settings = plain
    with TestClient(create_app(service=service, clock=clock), follow_redirects=False) as other:  # type: ignore[arg-type]
        response = _sign_in(other, "shenji", "demo-auditor")
        assert response.status_code == 401 and "用户名或密码错误" in response.text
        sign_in_as(other, service, "auditor")
        assert other.get("/").status_code == 303  # Check: a demo session opens nothing either


def test_the_log_never_shows_a_password_or_token_hash(client: TestClient, service: Service) -> None:
    from tests.api.conftest import auth

    sign_in_as(client, service, "auditor")
    events = client.get("/events.json?limit=40").json()["events"]
    created = [e for e in events if e["topic"].endswith("Account.Created")]
    assert created and all(e["state"]["password_hash"] == "(hidden)" for e in created)
    api = client.get("/log?limit=40", headers=auth("auditor")).json()["events"]
    assert "$argon2" not in str(api) and all(e["state"].get("token_hash") in (None, "(hidden)") for e in api)


def test_the_administrator_changes_a_role_as_an_event_and_open_sessions_follow_it(
    client: TestClient, service: Service
) -> None:
    auditor = TestClient(client.app, follow_redirects=False)
    sign_in_as(auditor, service, "auditor")
    assert auditor.get("/accounts").status_code == 403
    csrf = sign_in_as(client, service, "admin")
    before = end(service)
    response = client.post("/accounts/shenji/grant", data={"csrf": csrf, "role": "admin", "scope": ""})
    assert response.status_code == 303
    assert end(service) == before + 1  # one Account.Regranted event
    assert "账号shenji的角色已改为管理员" in client.get("/accounts").text
    assert auditor.get("/accounts").status_code == 200  # the open session has the new role at once
    moved = client.post("/accounts/duchake/grant", data={"csrf": csrf, "role": "recorder", "scope": "personnel，office"})
    assert moved.status_code == 303
    found = {a["username"]: a for a in client.get("/accounts.json").json()["accounts"]}
    assert found["duchake"]["role"] == "recorder" and found["duchake"]["scope"] == ["personnel", "office"]
    assert found["shenji"]["role"] == "admin"
    rater = client.post("/accounts/bangongshi/grant", data={"csrf": csrf, "role": "rater", "scope": "fujuzhang",
                                                            "rater_role": "supervising"})
    assert rater.status_code == 303
    found = {a["username"]: a for a in client.get("/accounts.json").json()["accounts"]}
    assert found["bangongshi"]["scope"] == ["fujuzhang=supervising"]


def test_a_wrong_role_change_is_shown_in_its_row_and_appends_nothing(client: TestClient, service: Service) -> None:
    csrf = sign_in_as(client, service, "admin")
    before = end(service)
    response = client.post("/accounts/shenji/grant", data={"csrf": csrf, "role": "rater", "scope": ""})
    assert response.status_code == 422
    row = re.search(r'<tr data-username="shenji">(.*?)</tr>', response.text, re.S)
    assert row is not None and "<details class=\"grant\" open>" in row.group(1)
    assert re.findall(r'<li data-field="([^"]+)">([^<]+)</li>', row.group(1)) == [("scope", "测评人账号须填写测评人")]
    own = client.post("/accounts/admin/grant", data={"csrf": csrf, "role": "auditor", "scope": ""})
    assert own.status_code == 422 and "管理员不能取消自己账号的管理员角色" in own.text
    same = client.post("/accounts/shenji/grant", data={"csrf": csrf, "role": "auditor", "scope": ""})
    assert same.status_code == 409 and "账号shenji的角色和范围未变" in same.text
    unknown = client.post("/accounts/nobody/grant", data={"csrf": csrf, "role": "auditor", "scope": ""})
    assert unknown.status_code == 404 and "账号nobody不存在" in unknown.text
    assert end(service) == before


def test_only_the_administrator_changes_roles(client: TestClient, service: Service) -> None:
    for role in ("recorder", "rater", "auditor", "reviewer", "subject"):
        csrf = sign_in_as(client, service, role)
        before = end(service)
        response = client.post("/accounts/shenji/grant", data={"csrf": csrf, "role": "admin", "scope": ""})
        assert response.status_code == 403 and "无权进行此操作" in response.text, role
        assert end(service) == before
