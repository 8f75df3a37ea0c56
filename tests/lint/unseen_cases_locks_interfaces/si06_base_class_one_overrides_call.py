# expect: non-uniform-interface
# pattern: services share a base class whose __call__ runs perform(); one subclass
#          overrides __call__ itself with other parameters and skips the base's checks
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
    def __call__(self, source, target):  # expect-line
        target.count += source.count
        source.deleted = True
        return target
