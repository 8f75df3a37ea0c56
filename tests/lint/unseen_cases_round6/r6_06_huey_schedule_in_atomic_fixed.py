# expect: none
# fixed shape: the schedule call waits for the commit
from functools import partial

from django.db import transaction
from huey.contrib.djhuey import db_task

from trials.models import Trial


@db_task()
def send_trial_reminder(trial_id):
    ...


@transaction.atomic
def start_trial(user, plan):
    trial = Trial.objects.create(user=user, plan=plan)
    user.profile.trials.add(trial)
    transaction.on_commit(partial(send_trial_reminder.schedule, args=(trial.pk,), delay=3600))
    return trial
