"""A changed file re-checks its callers and callees only when its call facts changed.

Each test lints a small project, changes one file and lints again with the cache. The
warm findings must equal those of a run without the cache. Each change alters exactly
one of the facts that other modules' OPS101 or OPS102 findings read, so a fact left out
of the comparison makes its test keep a stale finding.
"""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.config import load_config
from opsgen.lint.engine import lint_paths, rules_fingerprint
from opsgen.lint.incremental import plan_calls
from opsgen.lint.index import ProjectIndex
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Finding

from test_lint_incremental import CALLER, LOUD_HELPER, QUIET_HELPER  # type: ignore[import-not-found]
from tests_lint_support import write_project  # type: ignore[import-not-found]


def lint(root: Path, cache: bool = True) -> list[Finding]:
    return lint_paths([root], load_config(root), use_cache=cache).findings


def before_and_after(root: Path, path: str, source: str) -> tuple[list[Finding], list[Finding]]:
    """Lint, replace the file ``path`` with ``source`` and lint again with the cache.

    The second run's findings are checked against a run without the cache.
    """
    before = lint(root)
    (root / path).write_text(source)
    after = lint(root)
    assert after == lint(root, cache=False)
    return before, after


def shown(findings: list[Finding]) -> list[tuple[str, int, str]]:
    return [(Path(f.path).name, f.line, f.code) for f in findings]


def affected(root: Path) -> set[str]:
    """Return the files, relative to ``root``, whose OPS101/OPS102 findings a warm run would recompute."""
    config = load_config(root)
    index = ProjectIndex.build(config)
    following = tuple(rule for rule in load_rules() if rule.follows_calls)
    plan = plan_calls(index, rules_fingerprint(following, config))
    return {Path(path).relative_to(root.resolve()).as_posix() for path in plan.affected}


def shop(tmp_path: Path, helper: str) -> Path:
    files = {"shop/__init__.py": "", "shop/orders.py": CALLER, "shop/helpers.py": helper}
    return write_project(tmp_path / "project", files)


def test_comment_rechecks_only_changed_file(tmp_path: Path) -> None:
    root = shop(tmp_path, LOUD_HELPER)
    lint(root)
    (root / "shop/helpers.py").write_text(LOUD_HELPER + "\n# a comment that moves no line\n")

    assert affected(root) == {"shop/helpers.py"}
    assert shown(lint(root)) == [("orders.py", 6, "OPS101")]


def test_moved_line_without_effect_rechecks_only_it(tmp_path: Path) -> None:
    root = shop(tmp_path, QUIET_HELPER)
    lint(root)
    (root / "shop/helpers.py").write_text("# a new first line\n" + QUIET_HELPER)

    assert affected(root) == {"shop/helpers.py"}


def test_moved_atomic_function_rechecks_only_it(tmp_path: Path) -> None:
    writer = "from shop.models import Order\n\n\ndef record(order):\n    Order.objects.create(pk=1)\n    order.save()\n"
    view = "from django.db import transaction\nfrom shop.writer import record\n\n\n@transaction.atomic\ndef handle(order):\n    record(order)\n"
    files = {"shop/__init__.py": "", "shop/writer.py": writer, "shop/view.py": view}
    root = write_project(tmp_path / "project", files)
    lint(root)
    (root / "shop/view.py").write_text("# a new first line\n" + view)

    assert affected(root) == {"shop/view.py"}
    assert lint(root) == lint(root, cache=False) == []


def test_new_effect_rechecks_callers(tmp_path: Path) -> None:
    root = shop(tmp_path, QUIET_HELPER)
    lint(root)
    (root / "shop/helpers.py").write_text(LOUD_HELPER)

    assert affected(root) == {"shop/helpers.py", "shop/orders.py"}


def test_moved_effect_updates_caller_message(tmp_path: Path) -> None:
    root = shop(tmp_path, LOUD_HELPER)

    before, after = before_and_after(root, "shop/helpers.py", "# a new first line\n" + LOUD_HELPER)

    assert "helpers.py:4)" in before[0].message
    assert "helpers.py:5)" in after[0].message
    assert after[0].via[-1].line == 5


def test_helper_starting_to_write_reports_caller(tmp_path: Path) -> None:
    caller = (
        "from shop.models import Order\n"
        "from shop.stock import reserve\n\n\n"
        "def place(customer):\n"
        "    order = Order.objects.create(customer=customer)\n"
        "    reserve(order)\n"
    )
    reading = "from shop.models import Order\n\n\ndef reserve(order: Order):\n    return order.reserved\n"
    writing = "from shop.models import Order\n\n\ndef reserve(order: Order):\n    order.reserved = True\n    order.save()\n"
    files = {"shop/__init__.py": "", "shop/orders.py": caller, "shop/stock.py": reading}
    root = write_project(tmp_path / "project", files)

    before, after = before_and_after(root, "shop/stock.py", writing)

    assert before == []
    assert shown(after) == [("orders.py", 6, "OPS102")]


def test_transaction_around_call_clears_callee(tmp_path: Path) -> None:
    writer = "from shop.models import Order\n\n\ndef record(order):\n    Order.objects.create(pk=1)\n    order.save()\n"
    imports = "from django.db import transaction\nfrom shop.models import Log\nfrom shop.writer import record\n\n\n"
    outside = imports + "def handle(order):\n    record(order)\n"
    # handle() still makes one write outside a transaction, so only the edge to record() changes.
    inside = imports + (
        "def handle(order):\n"
        "    with transaction.atomic():\n"
        "        record(order)\n"
        "    Log.objects.create(order=order)\n"
    )
    files = {"shop/__init__.py": "", "shop/writer.py": writer, "shop/view.py": outside}
    root = write_project(tmp_path / "project", files)

    before, after = before_and_after(root, "shop/view.py", inside)

    assert shown(before) == [("writer.py", 5, "OPS102")]
    assert after == []


def test_helper_starting_to_commit_reports_caller(tmp_path: Path) -> None:
    caller = (
        "from app.users import create_user\n"
        "from app.wallets import create_wallet\n\n\n"
        "def register(email):\n"
        "    user = create_user(email)\n"
        "    create_wallet(user)\n"
    )
    wallets = (
        "from app.extensions import db\n\n\n"
        "def create_wallet(user):\n"
        "    db.session.add(Wallet(user_id=user.id))\n"
        "    db.session.commit()\n"
    )
    users = "from app.extensions import db\n\n\ndef create_user(email):\n    user = User(email=email)\n{commit}    return user\n"
    commit = "    db.session.add(user)\n    db.session.commit()\n"
    files = {"app/__init__.py": "", "app/signup.py": caller, "app/wallets.py": wallets, "app/users.py": users.format(commit="")}
    root = write_project(tmp_path / "project", files)

    before, after = before_and_after(root, "app/users.py", users.format(commit=commit))

    assert before == []
    assert shown(after) == [("signup.py", 6, "OPS102")]
    assert "2 transactions" in after[0].message


def test_helper_leaving_session_open_reports_caller(tmp_path: Path) -> None:
    caller = (
        "import requests\n"
        "from app.users import sign_up\n\n\n"
        "def register(email):\n"
        "    sign_up(email)\n"
        "    requests.post('https://example.invalid/welcome', data=email)\n"
    )
    add_user = "from app.extensions import db\n\n\ndef add_user(email):\n    db.session.add(User(email=email))\n"
    users = "from app.extensions import db\nfrom app.accounts import add_user\n\n\ndef sign_up(email):\n    add_user(email)\n    {last}\n"
    files = {"app/__init__.py": "", "app/signup.py": caller, "app/accounts.py": add_user, "app/users.py": users.format(last="db.session.commit()")}
    root = write_project(tmp_path / "project", files)

    # The same calls, without the commit: the session write that add_user() made stays open.
    before, after = before_and_after(root, "app/users.py", users.format(last="return email"))

    assert before == []
    assert shown(after) == [("signup.py", 7, "OPS101")]
    assert "that sign_up() at line 6 began with a write" in after[0].message


NOTIFY_MIXIN = """\
import requests


class NotifyMixin:
    def notify(self, ctx, order_id):
        requests.post("https://example.invalid/shipped", data=order_id)
"""

SHIP_ORDER = """\
from app.generated import ShipOrderBase
from app.notify import NotifyMixin


class ShipOrder(ShipOrderBase, NotifyMixin):
    def run(self, ctx, *, order_id):
        self.notify(ctx, order_id)
        {last}
"""


def test_raise_after_helper_call_updates_fix(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/generated.py": "class ShipOrderBase:\n    pass\n",
        "app/notify.py": NOTIFY_MIXIN,
        "app/ship.py": SHIP_ORDER.format(last="return order_id"),
        "specs/ship_order.yaml": "name: shop.ship_order\ntransaction: true\ninput:\n  order_id: int\n",
    }
    root = write_project(tmp_path / "project", files, '[tool.opsgen]\nspecs = "specs"\n')

    before, after = before_and_after(root, "app/ship.py", SHIP_ORDER.format(last="raise ValueError(order_id)"))

    [helper_before] = [f for f in before if f.code == "OPS101"]
    [helper_after] = [f for f in after if f.code == "OPS101"]
    assert helper_before.fix is not None
    assert Path(helper_after.path).name == "notify.py"
    assert helper_after.fix is None
    assert helper_after.no_fix_reason is not None
    assert "the raise at line 8 in run()" in helper_after.no_fix_reason


def test_cache_keeps_functions_reached_from_transaction(tmp_path: Path) -> None:
    root = shop(tmp_path, LOUD_HELPER)
    lint(root)

    index = ProjectIndex.build(load_config(root))
    entries = {Path(path).name: entry for path, entry in index.cache_entries.items()}

    assert entries["orders.py"]["calls"]["reached"] == ["shop.helpers.tidy"]
    assert entries["helpers.py"]["calls"]["reached"] == []


def test_helper_returning_created_row_clears_caller(tmp_path: Path) -> None:
    created = "from shop.models import Profile\n\n\ndef get_profile(user):\n    profile, _ = Profile.objects.get_or_create(user=user)\n    return profile\n"
    # The same returned type, so only the returned row's origin changes.
    looked_up = created.replace("return profile", "found = Profile.objects.get(user=user)\n    return found")
    view = (
        "from shop.models import Profile\nfrom shop.profiles import get_profile\n\n\n"
        "def rename(user, name):\n    profile = get_profile(user)\n    profile.name = name\n    profile.save()\n"
    )
    files = {"shop/__init__.py": "", "shop/profiles.py": looked_up, "shop/view.py": view}
    root = write_project(tmp_path / "project", files)

    before, after = before_and_after(root, "shop/profiles.py", created)

    assert shown(before) == [("view.py", 6, "OPS102")]
    assert shown(after) == []


def test_caller_making_pipeline_clears_redis_writes(tmp_path: Path) -> None:
    store = (
        "from redis import Redis\n\n\n"
        "def open_session(client: Redis, user_id, token):\n"
        "    client.hset(f'session:{token}', 'user', user_id)\n"
        "    client.sadd(f'user:{user_id}:sessions', token)\n"
    )
    plain = "from shop.store import open_session\n\n\ndef log_in(client, user_id, token):\n    open_session(client, user_id, token)\n"
    queued = (
        "from shop.store import open_session\n\n\ndef log_in(client, user_id, token):\n"
        "    pipe = client.pipeline()\n    open_session(pipe, user_id, token)\n    pipe.execute()\n"
    )
    files = {"shop/__init__.py": "", "shop/store.py": store, "shop/view.py": plain}
    root = write_project(tmp_path / "project", files)

    before, after = before_and_after(root, "shop/view.py", queued)

    assert shown(before) == [("store.py", 5, "OPS102")]
    assert shown(after) == []


OPENER = """\
from django.db import transaction

from shop.models import Reminder


def claimed_batches():
    with transaction.atomic():
        yield list(Reminder.objects.select_for_update()[:100])


def count_due():
    return Reminder.objects.count()
"""

BATCH_SENDER = """\
from django.core.mail import send_mail

from shop.claims import claimed_batches


def send_reminders():
    for batch in claimed_batches():
        send_mail("Reminder", str(batch), None, ["ops@example.invalid"])
"""


def opener_project(tmp_path: Path, claims: str = OPENER) -> Path:
    files = {"shop/__init__.py": "", "shop/claims.py": claims, "shop/sender.py": BATCH_SENDER, "shop/prices.py": "def total(xs):\n    return sum(xs)\n"}
    return write_project(tmp_path / "project", files)


def test_change_beside_an_opener_rechecks_only_its_module(tmp_path: Path) -> None:
    # The generator that puts its callers' loops inside a transaction kept its body, so
    # the callers' findings still hold.
    root = opener_project(tmp_path)
    assert shown(lint(root)) == [("sender.py", 8, "OPS101")]
    (root / "shop/claims.py").write_text(OPENER.replace("    return Reminder", "    print('counting')\n    return Reminder"))

    assert affected(root) == {"shop/claims.py"}
    assert shown(lint(root)) == [("sender.py", 8, "OPS101")] == shown(lint(root, cache=False))


def test_changed_opener_rechecks_every_module(tmp_path: Path) -> None:
    root = opener_project(tmp_path)
    lint(root)
    (root / "shop/claims.py").write_text(OPENER.replace("    with transaction.atomic():\n        yield", "    if True:\n        yield"))

    assert affected(root) == {"shop/__init__.py", "shop/claims.py", "shop/sender.py", "shop/prices.py"}
    assert shown(lint(root)) == [] == shown(lint(root, cache=False))


def test_changed_helper_of_an_opener_rechecks_every_module(tmp_path: Path) -> None:
    # What an opener does depends on the functions of its module that it calls.
    claims = OPENER.replace("        yield list(", "        yield pick(").replace("def count_due", "def pick(rows):\n    return list(rows)\n\n\ndef count_due")
    root = opener_project(tmp_path, claims)
    lint(root)
    (root / "shop/claims.py").write_text(claims.replace("    return list(rows)", "    return sorted(rows)"))

    assert "shop/sender.py" in affected(root)
    assert shown(lint(root)) == [("sender.py", 8, "OPS101")] == shown(lint(root, cache=False))


def test_generator_over_a_plain_loop_opens_nothing(tmp_path: Path) -> None:
    # A generator that yields inside a loop over a call is an opener only when that call's
    # generator yields inside a transaction.
    chunks = (
        "def starts(rows, size):\n    yield from range(0, len(rows), size)\n\n\n"
        "def chunks(rows, size):\n    for start in starts(rows, size):\n        yield rows[start:start + size]\n"
    )
    caller = "from shop.chunks import chunks\n\n\ndef split(rows):\n    return list(chunks(rows, 10))\n"
    files = {"shop/__init__.py": "", "shop/chunks.py": chunks, "shop/split.py": caller, "shop/prices.py": "def total(xs):\n    return sum(xs)\n"}
    root = write_project(tmp_path / "project", files)
    lint(root)
    (root / "shop/chunks.py").write_text(chunks.replace("len(rows)", "len(list(rows))"))

    assert affected(root) == {"shop/chunks.py"}
