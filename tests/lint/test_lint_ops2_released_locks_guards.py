"""Missing-lock rules on released row locks, hand-written get-or-create, key guards and count limits."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding


def _findings(source: str, tmp_path: Path, code: str) -> list[Finding]:
    rules = [rule for rule in load_rules() if rule.code == code]
    return lint_example(Example(source), rules, tmp_path)


def _lines(source: str, tmp_path: Path, code: str) -> list[int]:
    return [finding.line for finding in _findings(source, tmp_path, code)]


SPEND_AFTER_BLOCK = (
    "from django.db import transaction\n\n"
    "def spend(wallet_id, amount):\n"
    "    with transaction.atomic():\n"
    "        wallet = Wallet.objects.select_for_update().get(pk=wallet_id)\n"
    "    if wallet.balance < amount:\n"
    "        raise ValueError(wallet_id)\n"
    "    wallet.balance -= amount\n"
    "    wallet.save(update_fields=['balance'])\n"
)


def test_increment_after_lock_block_reported(tmp_path: Path) -> None:
    findings = _findings(SPEND_AFTER_BLOCK, tmp_path, "OPS202")
    assert [f.line for f in findings] == [8]
    assert "ended on line 5" in findings[0].message
    # The balance check guards the decrement, so the update must repeat it in its filter.
    assert 'filter(pk=wallet.pk, balance__gte=amount).update(balance=F("balance") - amount)' in findings[0].message


def test_increment_inside_lock_block_silent(tmp_path: Path) -> None:
    inside = (
        "from django.db import transaction\n\n"
        "def spend(wallet_id, amount):\n"
        "    with transaction.atomic():\n"
        "        wallet = Wallet.objects.select_for_update().get(pk=wallet_id)\n"
        "        wallet.balance -= amount\n"
        "        wallet.save(update_fields=['balance'])\n"
    )
    assert _lines(inside, tmp_path / "a", "OPS202") == []
    decorated = SPEND_AFTER_BLOCK.replace("def spend", "@transaction.atomic\ndef spend")
    assert _lines(decorated, tmp_path / "b", "OPS202") == []
    outer = (
        "from django.db import transaction\n\n"
        "def spend(wallet_id, amount):\n"
        "    with transaction.atomic():\n"
        "        with transaction.atomic():\n"
        "            wallet = Wallet.objects.select_for_update().get(pk=wallet_id)\n"
        "        wallet.balance -= amount\n"
        "        wallet.save()\n"
    )
    assert _lines(outer, tmp_path / "c", "OPS202") == []


def test_increment_after_commit_reported(tmp_path: Path) -> None:
    source = (
        "def spend(session, wallet_id, amount):\n"
        "    wallet = session.get(Wallet, wallet_id, with_for_update=True)\n"
        "    session.commit()\n"
        "    wallet.balance -= amount\n"
        "    session.commit()\n"
    )
    findings = _findings(source, tmp_path / "a", "OPS202")
    assert [f.line for f in findings] == [4]
    assert "update(Wallet).values(balance=Wallet.balance - n)" in findings[0].message
    # A commit inside an if does not end the lock on the path that reaches the write.
    branch = source.replace("    session.commit()\n    wallet.balance", "    if amount == 0:\n        session.commit()\n    wallet.balance")
    assert _lines(branch, tmp_path / "b", "OPS202") == []


def test_write_after_lock_block_reported(tmp_path: Path) -> None:
    source = (
        "from django.db import transaction\n\n"
        "def claim(seat_id, user):\n"
        "    with transaction.atomic():\n"
        "        seat = Seat.objects.select_for_update().get(pk=seat_id)\n"
        "        if seat.holder_id is not None:\n"
        "            raise ValueError(seat_id)\n"
        "        seat.holder = user\n"
        "    seat.save(update_fields=['holder'])\n"
    )
    findings = _findings(source, tmp_path / "a", "OPS201")
    assert [f.line for f in findings] == [5]
    assert "ended on line 8" in findings[0].message
    saved_inside = source.replace("    seat.save(update_fields=['holder'])\n", "        seat.save(update_fields=['holder'])\n")
    assert _lines(saved_inside, tmp_path / "b", "OPS201") == []


def test_get_then_create_in_handler(tmp_path: Path) -> None:
    django = (
        "def subscribe(email):\n"
        "    try:\n"
        "        subscriber = Subscriber.objects.get(email=email)\n"
        "    except Subscriber.DoesNotExist:\n"
        "        subscriber = Subscriber.objects.create(email=email)\n"
        "    return subscriber\n"
    )
    findings = _findings(django, tmp_path / "a", "OPS207")
    assert [f.line for f in findings] == [3]
    assert "except handler then inserts one" in findings[0].message
    generic = (
        "from django.core.exceptions import ObjectDoesNotExist\n\n"
        "def remember(user, key):\n"
        "    with transaction.atomic():\n"
        "        try:\n"
        "            return Preference.objects.get(user=user, key=key)\n"
        "        except ObjectDoesNotExist:\n"
        "            preference = Preference(user=user, key=key)\n"
        "            preference.save()\n"
        "            return preference\n"
    )
    assert _lines(generic, tmp_path / "b", "OPS207") == [6]
    sqlalchemy = (
        "from sqlalchemy.exc import NoResultFound\n\n"
        "def tag(session, name):\n"
        "    try:\n"
        "        return session.execute(select(Tag).where(Tag.name == name)).scalar_one()\n"
        "    except NoResultFound:\n"
        "        session.add(Tag(name=name))\n"
        "        session.commit()\n"
    )
    assert _lines(sqlalchemy, tmp_path / "c", "OPS207") == [5]


def test_get_then_create_manager_and_async(tmp_path: Path) -> None:
    manager = (
        "from django.db import models\n\n"
        "class CouponManager(models.Manager):\n"
        "    def for_code(self, code):\n"
        "        try:\n"
        "            return self.get(code=code)\n"
        "        except self.model.DoesNotExist:\n"
        "            return self.create(code=code)\n"
    )
    findings = _findings(manager, tmp_path / "a", "OPS207")
    assert [f.line for f in findings] == [6]
    assert "finds no self.model row" in findings[0].message
    asynchronous = (
        "async def remember(user, key):\n"
        "    try:\n"
        "        return await Preference.objects.aget(user=user, key=key)\n"
        "    except Preference.DoesNotExist:\n"
        "        return await Preference.objects.acreate(user=user, key=key)\n"
    )
    assert _lines(asynchronous, tmp_path / "b", "OPS207") == [3]
    mapping = (
        "class Registry(dict):\n"
        "    def fetch(self, key):\n"
        "        try:\n"
        "            return self.get(key)\n"
        "        except KeyError:\n"
        "            return self.create(key)\n"
    )
    assert _lines(mapping, tmp_path / "c", "OPS207") == []


def test_get_none_then_create_reported(tmp_path: Path) -> None:
    source = (
        "def subscribe(email):\n"
        "    try:\n"
        "        subscriber = Subscriber.objects.get(email=email)\n"
        "    except Subscriber.DoesNotExist:\n"
        "        subscriber = None\n"
        "    if subscriber is None:\n"
        "        subscriber = Subscriber.objects.create(email=email)\n"
        "    return subscriber\n"
    )
    assert _lines(source, tmp_path / "a", "OPS207") == [3]
    other_model = source.replace("subscriber = Subscriber.objects.create", "subscriber = Visitor.objects.create")
    assert _lines(other_model, tmp_path / "b", "OPS207") == []


def test_get_then_create_guarded_silent(tmp_path: Path) -> None:
    parent_locked = (
        "def subscribe(list_id, email):\n"
        "    MailingList.objects.select_for_update().get(pk=list_id)\n"
        "    try:\n"
        "        return Subscriber.objects.get(email=email)\n"
        "    except Subscriber.DoesNotExist:\n"
        "        return Subscriber.objects.create(email=email)\n"
    )
    assert _lines(parent_locked, tmp_path / "a", "OPS207") == []
    integrity = (
        "from django.db import IntegrityError\n\n"
        "def subscribe(email):\n"
        "    try:\n"
        "        return Subscriber.objects.get(email=email)\n"
        "    except Subscriber.DoesNotExist:\n"
        "        try:\n"
        "            return Subscriber.objects.create(email=email)\n"
        "        except IntegrityError:\n"
        "            return Subscriber.objects.get(email=email)\n"
    )
    assert _lines(integrity, tmp_path / "b", "OPS207") == []
    other_error = (
        "def subscribe(email):\n"
        "    try:\n"
        "        return Subscriber.objects.get(email=email)\n"
        "    except Subscriber.MultipleObjectsReturned:\n"
        "        return Subscriber.objects.create(email=email)\n"
    )
    assert _lines(other_error, tmp_path / "c", "OPS207") == []


BOOKING = (
    "def book(session, member):\n"
    "    taken = Booking.objects.filter(session=session).count()\n"
    "    if {test}:\n"
    "        raise ValueError('full')\n"
    "    return Booking.objects.create(session=session, member=member)\n"
)


def test_count_against_limit_message(tmp_path: Path) -> None:
    limit = _findings(BOOKING.format(test="taken >= session.capacity"), tmp_path / "a", "OPS207")
    assert [f.line for f in limit] == [2]
    assert "compares the count with a limit" in limit[0].message
    assert "unique constraint" not in limit[0].message
    assert "no Booking row exists" not in limit[0].message
    existence = _findings(BOOKING.format(test="taken > 0"), tmp_path / "b", "OPS207")
    assert [f.line for f in existence] == [2]
    assert "checks that no Booking row exists" in existence[0].message
    assert "unique constraint" in existence[0].message


KEY_GUARD = (
    "import redis\n\n"
    "r = redis.Redis()\n\n"
    "def run_nightly(day):\n"
    "    if r.exists(f'nightly:{{day}}'):\n"
    "        return False\n"
    "    r.set(f'nightly:{{day}}', {value})\n"
    "    return True\n"
)


def test_key_tested_then_set_reported(tmp_path: Path) -> None:
    findings = _findings(KEY_GUARD.format(value="'1', ex=3600"), tmp_path / "a", "OPS206")
    assert [f.line for f in findings] == [6]
    assert "nx=True" in findings[0].message
    django = (
        "from django.core.cache import cache\n\n"
        "def remind(user):\n"
        "    if cache.get(f'remind:{user.pk}') is None:\n"
        "        cache.set(f'remind:{user.pk}', True, 86400)\n"
        "        send_reminder(user)\n"
    )
    assert _lines(django, tmp_path / "b", "OPS206") == [4]
    hash_field = (
        "import redis\n\n"
        "r = redis.Redis()\n\n"
        "def claim(job_id, worker):\n"
        "    if not r.hexists('claims', job_id):\n"
        "        r.hset('claims', job_id, 1)\n"
    )
    assert _lines(hash_field, tmp_path / "c", "OPS206") == [6]


def test_key_set_to_token_name(tmp_path: Path) -> None:
    source = (
        "import uuid\n"
        "import redis\n\n"
        "r = redis.Redis()\n\n"
        "def acquire(name):\n"
        "    token = str(uuid.uuid4())\n"
        "    if r.get(f'lock:{name}') is not None:\n"
        "        return None\n"
        "    r.set(f'lock:{name}', token, ex=30)\n"
        "    return token\n"
    )
    assert _lines(source, tmp_path / "a", "OPS206") == [8]
    memo = source.replace("token = str(uuid.uuid4())", "token = render(name)")
    assert _lines(memo, tmp_path / "b", "OPS206") == []


def test_key_guard_through_local_client(tmp_path: Path) -> None:
    source = (
        "from django_redis import get_redis_connection\n\n"
        "def send_once(order_id):\n"
        "    connection = get_redis_connection('default')\n"
        "    if connection.exists(f'sent:{order_id}'):\n"
        "        return\n"
        "    connection.set(f'sent:{order_id}', 1)\n"
        "    send_receipt(order_id)\n"
    )
    assert _lines(source, tmp_path / "a", "OPS206") == [5]
    dictionary = source.replace("get_redis_connection('default')", "load_settings()")
    assert _lines(dictionary, tmp_path / "b", "OPS206") == []


def test_key_guard_atomic_forms_silent(tmp_path: Path) -> None:
    assert _lines(KEY_GUARD.format(value="'1', nx=True, ex=3600"), tmp_path / "a", "OPS206") == []
    computed = (
        "from django.core.cache import cache\n\n"
        "def prices(event):\n"
        "    if cache.get(event.key) is None:\n"
        "        cache.set(event.key, compute_prices(event))\n"
    )
    assert _lines(computed, tmp_path / "b", "OPS206") == []
    locked = (
        "import redis\n\n"
        "r = redis.Redis()\n\n"
        "def run_nightly(day):\n"
        "    with r.lock('nightly-lock'):\n"
        "        if r.exists(f'nightly:{day}'):\n"
        "            return False\n"
        "        r.set(f'nightly:{day}', 1)\n"
    )
    assert _lines(locked, tmp_path / "c", "OPS206") == []
    other_key = KEY_GUARD.format(value="1").replace("r.set(f'nightly:{day}'", "r.set(f'last-run:{day}'")
    assert _lines(other_key, tmp_path / "d", "OPS206") == []
