# expect: none
# fixed shape: __exit__ hands the publish to on_commit, which runs it after the outermost
#              COMMIT and drops it on a rollback
import json
from functools import partial

from confluent_kafka import Producer
from django.db import transaction

from projects.models import Project

producer = Producer({"bootstrap.servers": "localhost:9092"})


class AuditScope:
    def __init__(self, actor, action, target_id):
        self.event = {"actor": actor.pk, "action": action, "target": target_id}

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            transaction.on_commit(partial(producer.produce, "audit-events", json.dumps(self.event).encode()))
        return False


def transfer_project(project_id, actor, new_owner):
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project_id)
        with AuditScope(actor, "project.transfer", project.pk):
            project.owner = new_owner
            project.save(update_fields=["owner"])
        project.memberships.filter(user=new_owner).delete()
    return project
