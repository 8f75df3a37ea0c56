# expect: none
# fixed shape for si08: every service returns the post or raises; the view builds the
# HTTP response
class PostError(Exception):
    pass


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

    def execute(self):
        if self.when is None:
            raise PostError("missing publish time")
        self.post.publish_at = self.when
        return self.post
