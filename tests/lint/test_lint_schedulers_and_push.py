"""OPS101 reports the scheduling calls of task libraries and the sends of push service
clients made inside ``atomic()``: each one reaches a worker or a phone before the commit."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding


def ops101(tmp_path: Path, setup: str, call: str) -> list[Finding]:
    """Lint ``call`` made inside ``atomic()`` after the module-level ``setup``."""
    source = (
        "from django.db import transaction\n"
        + textwrap.dedent(setup)
        + "\n\ndef record(pk, token):\n"
        + "    with transaction.atomic():\n"
        + f"        {call}\n"
    )
    rules = [rule for rule in load_rules() if rule.code == "OPS101"]
    return lint_example(Example(source), rules, tmp_path)


HUEY_TASK = """\
from huey.contrib.djhuey import db_task

@db_task()
def remind(pk):
    ...
"""
HUEY_INSTANCE = """\
from huey import RedisHuey

huey = RedisHuey("app")

@huey.task()
def remind(pk):
    ...
"""

#: setup, the call inside atomic(), and the kind the message names.
REPORTED = {
    "huey task schedule": (HUEY_TASK, "remind.schedule(args=(pk,), delay=3600)", "task enqueue"),
    "huey instance task schedule": (HUEY_INSTANCE, "remind.schedule(args=(pk,), delay=60)", "task enqueue"),
    "huey enqueue of a task instance": (HUEY_INSTANCE, "huey.enqueue(remind.s(pk))", "task enqueue"),
    "rq queue enqueue_in": (
        "from datetime import timedelta\nfrom redis import Redis\nfrom rq import Queue\nqueue = Queue(connection=Redis())\n",
        "queue.enqueue_in(timedelta(minutes=5), print, pk)",
        "task enqueue",
    ),
    "rq-scheduler enqueue_at": (
        "from redis import Redis\nfrom rq_scheduler import Scheduler\nlater = Scheduler(connection=Redis())\n",
        "later.enqueue_at(None, print, pk)",
        "task enqueue",
    ),
    "django-rq scheduler": ("import django_rq\n", "django_rq.get_scheduler('default').enqueue_in(None, print, pk)", "task enqueue"),
    "arq enqueue_job": ("", "pool.enqueue_job('remind', pk)", "task enqueue"),
    "arq create_pool result": (
        "from arq import create_pool\nfrom arq.connections import RedisSettings\njobs = create_pool(RedisSettings())\n",
        "jobs.enqueue_job('remind', pk)",
        "task enqueue",
    ),
    "rq queue enqueue_job": ("from rq import Queue\njobs = Queue('mail')\n", "jobs.enqueue_job(jobs.create_job(print, args=(pk,)))", "task enqueue"),
    "apscheduler add_job": (
        "from apscheduler.schedulers.background import BackgroundScheduler\njobs = BackgroundScheduler()\n",
        "jobs.add_job(print, 'date', args=[pk])",
        "task enqueue",
    ),
    "dramatiq group run": ("import dramatiq\n", "dramatiq.group([]).run()", "task enqueue"),
    "apns2": (
        "from apns2.client import APNsClient\napns = APNsClient('cert.pem')\n",
        "apns.send_notification(token, None, topic='app')",
        "push notification",
    ),
    "aioapns": ("from aioapns import APNs\napns = APNs(key='k')\n", "apns.send_notification(token)", "push notification"),
    "firebase send_each": ("from firebase_admin import messaging\n", "messaging.send_each([])", "push notification"),
    "pyfcm": ("from pyfcm import FCMNotification\nfcm = FCMNotification('key')\n", "fcm.notify(fcm_token=token)", "push notification"),
    "onesignal": (
        "from onesignal_sdk.client import Client\nsignal = Client(app_id='a', rest_api_key='k')\n",
        "signal.send_notification({})",
        "push notification",
    ),
    "expo": (
        "from exponent_server_sdk import PushClient, PushMessage\nexpo = PushClient()\n",
        "expo.publish(PushMessage(to=token, body='hi'))",
        "push notification",
    ),
    "huey task of a module not linted": ("from app.tasks import remind\n", "remind.schedule(args=(pk,), delay=60)", "task enqueue"),
    "fcm-django queryset": (
        "from fcm_django.models import FCMDevice\n",
        "FCMDevice.objects.filter(user_id=pk).send_message(None)",
        "push notification",
    ),
    "django-push-notifications row": (
        "from push_notifications.models import APNSDevice\n",
        "APNSDevice.objects.get(registration_id=token).send_message('hi')",
        "push notification",
    ),
    "django-webpush": ("from webpush import send_user_notification\n", "send_user_notification(None, {}, ttl=60)", "push notification"),
    "pusher beams": (
        "from pusher_push_notifications import PushNotifications\nbeams = PushNotifications(instance_id='i', secret_key='s')\n",
        "beams.publish_to_users([token], {})",
        "push notification",
    ),
}


@pytest.mark.parametrize(("setup", "call", "kind"), list(REPORTED.values()), ids=list(REPORTED))
def test_scheduling_or_push_call_in_atomic_is_reported(tmp_path: Path, setup: str, call: str, kind: str) -> None:
    findings = ops101(tmp_path, setup, call)

    assert len(findings) == 1
    assert f" {kind} " in findings[0].message


QUIET = {
    "huey task run in process": (HUEY_TASK, "remind.call_local(pk)"),
    "huey task signature only": (HUEY_TASK, "signature = remind.s(pk)"),
    "schedule of a plain function": ("def remind(pk):\n    ...\n", "remind.schedule(args=(pk,))"),
    "apns payload built": ("from apns2.payload import Payload\n", "payload = Payload(alert='hi')"),
    "push device rows read": ("from fcm_django.models import FCMDevice\n", "count = FCMDevice.objects.filter(user_id=pk).count()"),
}


#: A project class whose own enqueue_job() only writes a row to be picked up later.
OUTBOX = """\
from outbox.models import OutboxRow

class Outbox:
    def enqueue_job(self, name, pk):
        OutboxRow.objects.create(name=name, object_id=pk)
"""
QUIET.update(
    {
        "project class enqueue_job": (OUTBOX + "outbox = Outbox()\n", "outbox.enqueue_job('remind', pk)"),
        "project class enqueue_job on a queue name": (OUTBOX + "queue = Outbox()\n", "queue.enqueue_job('remind', pk)"),
        "enqueue_job of an unknown object": ("", "board.enqueue_job('remind', pk)"),
    }
)


def test_arq_pool_parameter_enqueue_job(tmp_path: Path) -> None:
    source = (
        "from arq.connections import ArqRedis\n"
        "from django.db import transaction\n\n"
        "async def record(backend: ArqRedis, pk):\n"
        "    with transaction.atomic():\n"
        "        await backend.enqueue_job('remind', pk)\n"
    )
    rules = [rule for rule in load_rules() if rule.code == "OPS101"]
    findings = lint_example(Example(source), rules, tmp_path)

    assert [f.line for f in findings] == [6]
    assert "arq.connections.ArqRedis().enqueue_job" in findings[0].message


@pytest.mark.parametrize(("setup", "call"), list(QUIET.values()), ids=list(QUIET))
def test_local_task_and_push_calls_are_quiet(tmp_path: Path, setup: str, call: str) -> None:
    assert ops101(tmp_path, setup, call) == []


REDIS_SENDS = {
    "events.xadd('orders', {'pk': pk})": "an append to a Redis stream",
    "events.lpush('jobs', pk)": "a push onto a Redis list",
    "events.publish('orders', pk)": "a Redis publish",
}


@pytest.mark.parametrize(("call", "wording"), list(REDIS_SENDS.items()), ids=list(REDIS_SENDS))
def test_redis_send_named_by_command(tmp_path: Path, call: str, wording: str) -> None:
    findings = ops101(tmp_path, "import redis\nevents = redis.Redis()\n", call)

    assert len(findings) == 1
    assert f"is {wording} (redis.Redis()." in findings[0].message
