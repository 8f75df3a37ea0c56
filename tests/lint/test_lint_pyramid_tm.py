"""OPS101 in Pyramid views that pyramid_tm runs inside a request transaction: views of an
app that includes pyramid_tm, and functions that use ``request.tm``."""

from __future__ import annotations

import textwrap
from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding

APP = """\
from pyramid.config import Configurator


def main(global_config, **settings):
    with Configurator(settings=settings) as config:
        config.include("pyramid_tm")
        config.add_view("app.views.rename", route_name="rename")
        config.scan()
    return config.make_wsgi_app()
"""


def ops101(tmp_path: Path, source: str, files: dict[str, str]) -> list[Finding]:
    rules = [rule for rule in load_rules() if rule.code == "OPS101"]
    example = Example(textwrap.dedent(source), path="app/views.py", files={"app/__init__.py": "", **files})
    return lint_example(example, rules, tmp_path)


VIEWS = """\
import requests
from pyramid.view import view_config


@view_config(route_name="signup", renderer="json")
def signup(request):
    request.find_service(name="users").add(request.json_body["email"])
    requests.post("https://example.invalid/crm")
    return {}


def rename(request):
    request.find_service(name="users").rename(request.matchdict["id"], request.json_body["name"])
    requests.post("https://example.invalid/crm")
    return {}


class Accounts:
    def __init__(self, request):
        self.request = request

    @view_config(route_name="close", renderer="json")
    def close(self):
        self.request.find_service(name="users").close(self.request.matchdict["id"])
        requests.post("https://example.invalid/closed")
        return {}


def not_a_view(email):
    requests.post("https://example.invalid/crm", json={"email": email})
"""


def test_views_of_app_with_pyramid_tm(tmp_path: Path) -> None:
    findings = ops101(tmp_path, VIEWS, {"app/main.py": APP})

    assert [f.line for f in findings] == [8, 14, 25]
    assert "inside the request transaction that pyramid_tm opens around signup()" in findings[0].message
    assert "addAfterCommitHook" in findings[0].message


def test_views_of_app_without_pyramid_tm(tmp_path: Path) -> None:
    findings = ops101(tmp_path, VIEWS, {"app/main.py": APP.replace('        config.include("pyramid_tm")\n', "")})

    assert findings == []


def test_request_tm_commit_ends_the_transaction(tmp_path: Path) -> None:
    source = """\
        import requests


        def signup(request):
            user = request.dbsession.merge(request.json_body)
            request.tm.commit()
            requests.post("https://example.invalid/crm", json={"id": user.id})


        def signup_late(request):
            user = request.dbsession.merge(request.json_body)
            requests.post("https://example.invalid/crm", json={"id": user.id})
            request.tm.commit()


        def export(request):
            with request.tm:
                request.find_service(name="exports").mark_sent()
                requests.post("https://example.invalid/export")
            requests.post("https://example.invalid/done")
        """
    findings = ops101(tmp_path, source, {})

    assert [f.line for f in findings] == [12, 19]
    assert "the request transaction that pyramid_tm opens around signup_late()" in findings[0].message
    assert "inside the request.tm block at line 17" in findings[1].message
