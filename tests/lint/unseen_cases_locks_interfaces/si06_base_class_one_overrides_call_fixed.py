# expect: none
# fixed shape for si06: every subclass implements perform() and is called through the
# base's __call__
class BaseService:
    def __call__(self, *args, **kwargs):
        self.validate(*args, **kwargs)
        return self.perform(*args, **kwargs)

    def validate(self, *args, **kwargs):
        return None

    def perform(self, *args, **kwargs):
        raise NotImplementedError


class CreateTag(BaseService):
    def perform(self, name):
        return {"tag": name}


class DeleteTag(BaseService):
    def perform(self, tag):
        tag.deleted = True
        return tag


class MergeTags(BaseService):
    def perform(self, source, target):
        target.count += source.count
        source.deleted = True
        return target
