# expect: side-effect-in-transaction
# pattern: the HTTP call hides behind a functools.partial bound at import time, so inside
#          atomic() the call looks like a local function
from functools import partial

import requests
from django.db import transaction

from deploys.models import Deployment, DeploymentStep

post_to_ops_channel = partial(requests.post, "https://chat.example.com/hooks/ops", timeout=5)


def start_deployment(service, revision, step_names):
    with transaction.atomic():
        deployment = Deployment.objects.create(service=service, revision=revision, state="running")
        post_to_ops_channel(json={"text": f"Deploying {service.name} at {revision}"})  # expect-line
        DeploymentStep.objects.bulk_create(
            [DeploymentStep(deployment=deployment, name=name, position=index) for index, name in enumerate(step_names)]
        )
    return deployment
