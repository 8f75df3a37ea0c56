# expect: non-uniform-interface
# pattern: Django services return domain objects, but one returns a JsonResponse with a
#          status code, so the view can neither reuse its result nor handle its errors
from django.http import JsonResponse


class PublishPost:
    def __init__(self, post):
        self.post = post

    def execute(self):
        self.post.published = True
        return self.post


class UnpublishPost:
    def __init__(self, post):
        self.post = post

    def execute(self):
        self.post.published = False
        return self.post


class SchedulePost:
    def __init__(self, post, when):
        self.post = post
        self.when = when

    def execute(self):  # expect-line
        if self.when is None:
            return JsonResponse({"error": "missing publish time"}, status=400)
        self.post.publish_at = self.when
        return JsonResponse({"id": self.post.pk, "publish_at": self.when.isoformat()})
