# expect: none
# fixed shape for r10_16: the message is posted after the COMMIT
from functools import partial

import requests
from django.db import transaction

from deploys.models import Deployment, DeploymentStep

post_to_ops_channel = partial(requests.post, "https://chat.example.com/hooks/ops", timeout=5)


def start_deployment(service, revision, step_names):
    with transaction.atomic():
        deployment = Deployment.objects.create(service=service, revision=revision, state="running")
        transaction.on_commit(partial(post_to_ops_channel, json={"text": f"Deploying {service.name} at {revision}"}))
        DeploymentStep.objects.bulk_create(
            [DeploymentStep(deployment=deployment, name=name, position=index) for index, name in enumerate(step_names)]
        )
    return deployment
