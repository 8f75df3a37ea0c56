# expect: side-effect-in-transaction
# pattern: a context manager class publishes its audit event to Kafka in __exit__. Nested
#          inside atomic(), __exit__ runs before the outer COMMIT, so consumers see a
#          project transfer that a later failure in the block rolls back.
import json

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
            producer.produce("audit-events", json.dumps(self.event).encode())  # expect-line
        return False


def transfer_project(project_id, actor, new_owner):
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project_id)
        with AuditScope(actor, "project.transfer", project.pk):  # via-indirection: __exit__ publishes
            project.owner = new_owner
            project.save(update_fields=["owner"])
        project.memberships.filter(user=new_owner).delete()
    return project
