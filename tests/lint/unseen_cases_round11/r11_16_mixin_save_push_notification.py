# expect: side-effect-in-transaction
# pattern: a model mixin sends a push notification from save() when a row is created.
#          The reply inherits it, and post_reply() saves it inside atomic(), so the
#          customer's phone shows a reply that a failing thread update rolls back.
from django.db import models, transaction
from django.utils import timezone
from firebase_admin import messaging

from support.models import Device, Thread


class PushOnCreateMixin:
    push_title = ""

    def push_tokens(self):
        return []

    def save(self, *args, **kwargs):
        creating = self._state.adding
        super().save(*args, **kwargs)
        tokens = self.push_tokens() if creating else []
        if tokens:
            notification = messaging.Notification(title=self.push_title, body=str(self)[:120])
            messaging.send_each_for_multicast(messaging.MulticastMessage(tokens=tokens, notification=notification))  # expect-line


class Reply(PushOnCreateMixin, models.Model):
    push_title = "New reply from support"

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey("auth.User", on_delete=models.PROTECT)
    body = models.TextField()

    def __str__(self):
        return self.body

    def push_tokens(self):
        return list(Device.objects.filter(user_id=self.thread.customer_id).values_list("token", flat=True))


def post_reply(thread, author, body):
    with transaction.atomic():
        reply = Reply(thread=thread, author=author, body=body)
        reply.save()  # via-indirection: PushOnCreateMixin.save sends the push
        Thread.objects.filter(pk=thread.pk).update(state=Thread.ANSWERED, last_reply_at=timezone.now())
    return reply
