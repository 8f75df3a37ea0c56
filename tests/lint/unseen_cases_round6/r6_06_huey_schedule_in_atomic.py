# expect: side-effect-in-transaction
# pattern: a Huey task scheduled with .schedule(delay=...) inside an @atomic function;
#          the consumer may still run it before the trial row is committed
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
    send_trial_reminder.schedule(args=(trial.pk,), delay=3600)  # expect-line
    return trial
